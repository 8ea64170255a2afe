#!/usr/bin/python3
"""Fixtures are patches: build a fixture's submission from the solution.

A fixture folder tests/fixtures/<lab>/<name>/ holds `expect` (the verdict it
must get) and `patch`, a unified diff against solutions/<lab>/ with paths
`a/FILE` and `b/FILE`.  The submission is the solution's files with the patch
applied (an empty patch: the solution as it is); a patch that no longer
applies is an error, never a silent pass.

usage: fixture.py build LAB FIXTURE_DIR DEST      write the submission to DEST
       fixture.py make LAB FIXTURE_DIR SUBMISSION write FIXTURE_DIR/patch from a folder
"""
import os
import shutil
import subprocess
import sys
import tempfile

KIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FixtureError(Exception):
    pass


def build(lab, fixture, dest, kit=KIT):
    """Write the fixture's submission (solution + patch) into dest."""
    solution = os.path.join(kit, 'solutions', lab)
    patch = os.path.join(fixture, 'patch')
    if not os.path.isdir(solution):
        raise FixtureError(f'{solution}: no solution to apply {patch} to')
    if not os.path.isfile(patch):
        raise FixtureError(f'{fixture}: no file "patch" (a unified diff against solutions/{lab})')
    os.makedirs(dest, exist_ok=True)
    for name in os.listdir(solution):
        src = os.path.join(solution, name)
        if os.path.isfile(src):
            shutil.copy2(src, os.path.join(dest, name))
    if os.path.getsize(patch) == 0:   # the solution as it is
        return dest
    run = subprocess.run(['patch', '-p1', '--forward', '--batch', '--silent',
                          '--no-backup-if-mismatch', '-r', '-', '-d', dest, '-i',
                          os.path.abspath(patch)], capture_output=True, text=True)
    if run.returncode != 0:
        raise FixtureError(f'{patch} no longer applies to solutions/{lab}:\n'
                           f'{run.stdout}{run.stderr}')
    return dest


def make(lab, fixture, submission, kit=KIT):
    """Store a submission folder as FIXTURE/patch against the solution."""
    solution = os.path.join(kit, 'solutions', lab)
    names = sorted(set(os.listdir(solution)) | set(os.listdir(submission)))
    diff = []
    for name in names:
        if name in ('expect', 'patch'):
            continue
        old, new = os.path.join(solution, name), os.path.join(submission, name)
        run = subprocess.run(['diff', '-u', '--label', f'a/{name}', '--label', f'b/{name}',
                              old if os.path.exists(old) else '/dev/null',
                              new if os.path.exists(new) else '/dev/null'],
                             capture_output=True, text=True, errors='surrogateescape')
        if run.returncode > 1:
            raise FixtureError(run.stderr)
        diff.append(run.stdout)
    os.makedirs(fixture, exist_ok=True)
    with open(os.path.join(fixture, 'patch'), 'w', errors='surrogateescape') as f:
        f.write(''.join(diff))


def main(argv):
    if len(argv) != 5 or argv[1] not in ('build', 'make'):
        sys.exit(__doc__.strip().split('\n\n')[-1])
    try:
        (build if argv[1] == 'build' else make)(argv[2], argv[3], argv[4])
    except FixtureError as e:
        sys.exit(f'fixture.py: {e}')


if __name__ == '__main__':
    main(sys.argv)
