#!/usr/bin/python3
"""Prove that a student kit holds no solution, hidden test or fixture.

usage: check_secrets.py [--autograder] KIT TREE

KIT is the instructor kit, TREE the unpacked student kit (or, with
--autograder, the kit inside an autograder zip, which must hold hidden tests
but no solution nor fixture).  The secrets are
every file in KIT's solutions/, labs/*/hidden/, labs/*/fixtures/ and
tests/fixtures/ (and any hidden suite lab.conf names elsewhere), and the
instructor-only blocks of KIT's Markdown files.  TREE fails if it has
  - a file at a secret's path, or in a folder of that kind;
  - a file whose code is the same as a secret's;
  - a run of RUN significant lines (not blank, not only punctuation, not
    comments or preprocessor lines) that is also in a secret, unless the lab's
    starter (for solutions and fixtures) or public tests (for hidden tests)
    have it too: they share scaffolding with the secrets by design;
  - a starter file that is not a skeleton (no TODO, or the solution itself);
  - a line of an instructor-only block.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixture as fixtures  # noqa: E402

RUN = 6
SECRET_DIRS = re.compile(r'^(solutions/|labs/[^/]+/(hidden|fixtures)/|tests/fixtures/)')
BLOCK = re.compile(r'^\s*<!-- instructor-only -->\s*$(.*?)^\s*<!-- end instructor-only -->\s*$',
                   re.S | re.M)


def files_under(root):
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != '.git']
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield os.path.relpath(path, root)


def read(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def significant(text):
    """The lines that carry content, with spacing normalised."""
    lines = []
    for line in text.splitlines():
        s = ' '.join(line.split())
        if not re.search(r'[A-Za-z0-9]', s) or s.startswith(('//', '/*', '*', '#')):
            continue
        lines.append(s)
    return lines


def runs(lines):
    return {tuple(lines[i:i + RUN]) for i in range(len(lines) - RUN + 1)}


def hidden_suites(kit):
    """Paths of `suite NAME PATH hidden` files, relative to the kit."""
    found = set()
    for lab in os.listdir(os.path.join(kit, 'labs')):
        conf = os.path.join(kit, 'labs', lab, 'lab.conf')
        for line in read(conf).splitlines():
            words = line.split('#')[0].split()
            if len(words) == 4 and words[0] == 'suite' and words[3] == 'hidden':
                path = os.path.normpath(os.path.join('labs', lab, words[2]))
                found.add(path)
    return found


def is_secret(rel, hidden, autograder):
    """Whether a kit path is one the tree must not have."""
    if autograder:
        return bool(re.match(r'^(solutions/|labs/[^/]+/fixtures/|tests/fixtures/)', rel))
    return bool(SECRET_DIRS.match(rel)) or rel in hidden


def public_runs_of(kit):
    """Per lab, the runs of its starter and of its public tests and sources."""
    starter, public = {}, {}
    for rel in files_under(kit):
        parts = rel.split('/')
        if parts[0] == 'starter' and len(parts) > 2:
            starter.setdefault(parts[1], set()).update(runs(significant(read(os.path.join(kit, rel)))))
        elif parts[0] == 'labs' and len(parts) > 3 and parts[2] in ('tests', 'src'):
            public.setdefault(parts[1], set()).update(runs(significant(read(os.path.join(kit, rel)))))
    return starter, public


def lab_of(rel):
    parts = rel.split('/')
    return parts[2] if parts[0] == 'tests' else parts[1]


def secret_texts(kit, hidden, autograder, tmp):
    """(name, text) of every secret file; a fixture's patch counts as the files it builds."""
    for rel in files_under(kit):
        if not is_secret(rel, hidden, autograder):
            continue
        parts = rel.split('/')
        if parts[0] == 'tests' and len(parts) == 5 and parts[4] == 'patch':
            dest = os.path.join(tmp, parts[2], parts[3])
            try:
                fixtures.build(parts[2], os.path.join(kit, *parts[:4]), dest, kit=kit)
            except fixtures.FixtureError:
                continue  # check_fixtures reports a patch that does not apply
            for name in sorted(os.listdir(dest)):
                yield '/'.join(parts[:4] + [name]), read(os.path.join(dest, name))
        else:
            yield rel, read(os.path.join(kit, rel))


def main(kit, tree, autograder=False):
    problems = []
    released = sorted(files_under(tree))
    hidden = hidden_suites(kit)
    for rel in released:
        if is_secret(rel, hidden, autograder):
            problems.append(f'{rel}: an instructor-only path')
    content = {rel: significant(read(os.path.join(tree, rel))) for rel in released}
    starter_runs, public_runs = public_runs_of(kit)
    secret_count = 0
    tmp = tempfile.TemporaryDirectory(prefix='labkit-secrets-')
    for secret, text in secret_texts(kit, hidden, autograder, tmp.name):
        lines = significant(text)
        if len(lines) < 3:
            continue  # an `expect` file or a stub: nothing to recognise
        secret_count += 1
        is_test = '/hidden/' in secret or secret in hidden
        allowed = (public_runs if is_test else starter_runs).get(lab_of(secret), set())
        secret_runs = runs(lines) - allowed
        for rel, released_lines in content.items():
            if released_lines == lines:
                problems.append(f'{rel}: the same code as {secret}')
            elif not rel.startswith('starter/'):
                shared = secret_runs & runs(released_lines)
                if shared:
                    first = sorted(shared)[0][0]
                    problems.append(f'{rel}: {len(shared)} runs of {RUN} lines from {secret}, '
                                    f'the first starting "{first}"')
    for rel in released:
        solution = os.path.join(kit, 'solutions', *rel.split('/')[1:])
        if rel.startswith('starter/') and os.path.isfile(solution) and rel.endswith('.c') \
                and 'TODO' not in read(os.path.join(tree, rel)):
            problems.append(f'{rel}: a starter file without a TODO: is it the solution?')
    block_lines = set()
    for rel in files_under(kit):
        if rel.endswith('.md') and not rel.startswith('dist/'):
            for block in BLOCK.findall(read(os.path.join(kit, rel))):
                block_lines.update(s for s in (' '.join(x.split()) for x in block.splitlines())
                                   if len(s) >= 40)
    for rel in released:
        text = {' '.join(x.split()) for x in read(os.path.join(tree, rel)).splitlines()}
        for line in sorted(block_lines & text)[:1]:
            problems.append(f'{rel}: an instructor-only line: "{line[:60]}"')
    for p in problems:
        print(p)
    print(f'{len(released)} released files checked against {secret_count} secret files and '
          f'{len(block_lines)} instructor-only lines: {"ok" if not problems else "LEAKS"}')
    return 1 if problems else 0


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a != '--autograder']
    if len(args) != 2:
        sys.exit(__doc__.strip().split('\n\n')[1])
    sys.exit(main(args[0], args[1], autograder='--autograder' in sys.argv[1:]))
