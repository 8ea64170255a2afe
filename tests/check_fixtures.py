#!/usr/bin/python3
"""Grade fixture submissions and check each gets exactly the verdict it should.

A fixture is a folder with `patch`, a unified diff against the lab's solution
(tests/fixture.py builds the submission from it; a patch that no longer applies
fails the check), and a file `expect`:
    score N               the points it must score
    fail CASE [TOOL]      a case it must fail (under TOOL, when given)
    tools LIST            grade it under these tools only (labgrade --tools), for
                          a fixture whose failures need no slow tool to show
Every case not listed must pass.  After each grade, no process of the
submission may still be running.

usage: check_fixtures.py [--kit KIT] [--runs N] [--jobs J] LAB FIXTURE_DIR...
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

import fixture as fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.dirname(HERE)


def read_expect(path):
    score, fails, tools = None, {}, None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split('#')[0].split()
            if not words:
                continue
            if words[0] == 'score' and len(words) == 2:
                score = float(words[1])
            elif words[0] == 'fail' and len(words) in (2, 3):
                fails[words[1]] = words[2] if len(words) == 3 else None
            elif words[0] == 'tools' and len(words) == 2:
                tools = words[1]
            else:
                sys.exit(f'{path}:{number}: expected "score N", "fail CASE [TOOL]" or "tools LIST"')
    if score is None:
        sys.exit(f'{path}: no "score" line')
    return score, fails, tools


def leftover_processes(marker):
    """Processes whose command line mentions the grader's work directory."""
    found = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmdline = f.read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        if marker in cmdline:
            found.append(f'{pid}: {cmdline[:120]}')
    return found


def submission_of(kit, lab, fixture, tmp):
    """The folder to grade: the fixture built from its patch, or the folder itself."""
    if not os.path.exists(os.path.join(fixture, 'patch')):
        return fixture
    return fixtures.build(lab, fixture, os.path.join(tmp, 'submission',
                                                     os.path.basename(fixture.rstrip('/'))),
                          kit=kit)


def grade(kit, lab, fixture, jobs, tools=None):
    with tempfile.TemporaryDirectory(prefix='labkit-fixture-') as tmp:
        fixture = submission_of(kit, lab, fixture, tmp)
        results = os.path.join(tmp, 'results.json')
        env = dict(os.environ, TMPDIR=tmp)
        start = time.monotonic()
        command = [os.path.join(KIT, 'grader', 'labgrade'), '--kit', kit, '--jobs', str(jobs),
                   '--json', results]
        if tools:
            command += ['--tools', tools]
        run = subprocess.run(command + [lab, fixture],
                             capture_output=True, text=True, errors='replace', env=env, timeout=900)
        seconds = time.monotonic() - start
        left = leftover_processes(tmp)
        if run.returncode not in (0, 1) or not os.path.exists(results):
            return None, run, seconds, left
        with open(results) as f:
            return json.load(f), run, seconds, left


def check(kit, lab, fixture, jobs):
    """Returns a list of problems (empty when the fixture got its verdict)."""
    score, fails, tools = read_expect(os.path.join(fixture, 'expect'))
    name = os.path.basename(fixture.rstrip('/'))
    try:
        result, run, seconds, left = grade(kit, lab, fixture, jobs, tools)
    except fixtures.FixtureError as e:
        return [f'{name}: {e}'], 0
    if result is None:
        return [f'{name}: the grader failed (exit {run.returncode}):\n{run.stdout}{run.stderr}'], 0
    problems = []
    failed = {t['name']: t.get('output', '') for t in result['tests'] if t['status'] != 'passed'}
    if abs(result['score'] - score) > 1e-9:
        problems.append(f'{name}: scored {result["score"]:g}, expected {score:g}')
    for case, tool in fails.items():
        if case not in failed:
            problems.append(f'{name}: case {case} passed, expected it to fail')
        elif tool and f'{tool}:' not in failed[case]:
            problems.append(f'{name}: case {case} failed, but not under {tool}:\n{failed[case]}')
    if score > 0 or fails:
        for case in failed:
            if case not in fails:
                problems.append(f'{name}: case {case} failed unexpectedly:\n{failed[case]}')
    if left:
        problems.append(f'{name}: processes left running after grading:\n' + '\n'.join(left))
    if problems:
        problems.append(f'{name}: grader output was:\n{run.stdout}')
    return problems, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--kit', default=KIT)
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    # Fixtures graded at once: a grade spends much of its time waiting (tool
    # start-up, sleeping tests, timeouts), and the kit's verdicts must not
    # depend on load anyway.
    parser.add_argument('--parallel', type=int,
                        default=int(os.environ.get('LABKIT_FIXTURE_PARALLEL', '2')))
    parser.add_argument('lab')
    parser.add_argument('fixtures', nargs='+')
    args = parser.parse_args()
    work = [(f, attempt) for f in args.fixtures for attempt in range(args.runs)]
    all_problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        futures = {pool.submit(check, args.kit, args.lab, f, args.jobs): (f, attempt)
                   for f, attempt in work}
        for future in concurrent.futures.as_completed(futures):
            fixture, attempt = futures[future]
            problems, seconds = future.result()
            tag = 'ok  ' if not problems else 'FAIL'
            print(f'{tag} {args.lab}/{os.path.basename(fixture.rstrip("/"))}'
                  f'{f" run {attempt + 1}" if args.runs > 1 else ""} ({seconds:.1f} s)', flush=True)
            all_problems += problems
    for p in all_problems:
        print(p, file=sys.stderr)
    return 1 if all_problems else 0


if __name__ == '__main__':
    sys.exit(main())
