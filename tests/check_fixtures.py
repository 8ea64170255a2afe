#!/usr/bin/python3
"""Grade fixture submissions and check each gets exactly the verdict it should.

A fixture is a folder with `patch`, a unified diff against the lab's solution
(tests/fixture.py builds the submission from it; a patch that no longer applies
fails the check), and a file `expect`:
    score N               the points it must score in a grade under all tools
    may-fail CASE         a case the bug breaks on some runs only (a thread
                          that happens to sleep where the bug strands it):
                          its failure is allowed and costs only its points
    fail CASE [TOOL [TEXT]]
                          a case it must fail (under TOOL, when given; with
                          TEXT, the report must say "TOOL: TEXT", e.g. the
                          tool's finding rather than a time-out)
    tools TOOL,...        grade under these tools only (docs/lab-format.md says
                          when a fixture may name them); the points it loses
                          under them must be exactly those `score` says
    cc COMPILER           build it with COMPILER (labgrade --cc) instead of cc
    leaderboard NAME LOW [HIGH]
                          grade with --leaderboard; the figure NAME (lab.conf
                          `figure NAME`) must be LOW, or between LOW and HIGH,
                          and results.json must keep Gradescope's format
Every case not listed must pass.  After each grade, no process of the
submission may still be running.

A fixture expected to fail cases that also run under Valgrind or a
sanitizer is graded in two steps: the native-run tools first, then the
slow tools only for the cases that passed (or whose `fail` line names a
slow tool).  A case earns its points only if every run passes, so the
score is exactly that of one grade under all tools.

usage: check_fixtures.py [--kit KIT] [--runs N] [--jobs J] LAB FIXTURE_DIR...
       check_fixtures.py --starter LAB DIR   DIR scores at most a tenth of the
                                             points, graded cleanly
"""
import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import fixture as fixtures
import validate_results

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.dirname(HERE)


# Tools that run the test under Valgrind or a sanitizer: a run costs many
# times a native one (Valgrind's start-up alone is about half a second).
SLOW_TOOLS = {'memcheck', 'tsan', 'asan'}
# A fixture is graded in two steps when its expected failures would save at
# least this many slow runs (the second step builds the native variant again).
STAGE_MIN_RUNS = 3


def read_expect(path):
    """(score, fails, tools, figures, cc, saying, chance) of an expect file."""
    score, fails, tools, figures, cc = None, {}, None, {}, None
    saying = {}  # {case: what its report must say}
    chance = set()  # cases the bug breaks on some runs only
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split('#')[0].split()
            if not words:
                continue
            if words[0] == 'score' and len(words) == 2:
                score = float(words[1])
            elif words[0] == 'fail' and len(words) >= 2:
                fails[words[1]] = words[2] if len(words) >= 3 else None
                if len(words) > 3:
                    saying[words[1]] = f'{words[2]}: ' + ' '.join(words[3:])
            elif words[0] == 'tools' and len(words) == 2:
                tools = set(words[1].split(','))
            elif words[0] == 'may-fail' and len(words) == 2:
                chance.add(words[1])
            elif words[0] == 'cc' and len(words) == 2:
                cc = words[1]
            elif words[0] == 'leaderboard' and len(words) in (3, 4):
                low = float(words[2])
                figures[words[1]] = (low, float(words[3]) if len(words) == 4 else low)
            else:
                sys.exit(f'{path}:{number}: expected "score N", "fail CASE [TOOL [TEXT]]", '
                         f'"may-fail CASE", "tools A,B", "cc COMPILER" or '
                         f'"leaderboard NAME LOW [HIGH]"')
    if score is None:
        sys.exit(f'{path}: no "score" line')
    return score, fails, tools, figures, cc, saying, chance


def figure_labels(kit, lab):
    """lab.conf's figures: name -> the label results.json shows."""
    labels = {}
    with open(os.path.join(kit, 'labs', lab, 'lab.conf')) as f:
        for line in f:
            if line.split()[:1] == ['figure']:
                words = shlex.split(line, comments=True)
                labels[words[1]] = words[-1]
    return labels


def lab_cases(kit, lab):
    """{case: (points, tools)} of the cases a grade in this kit runs (lab.conf)."""
    folder = os.path.join(kit, 'labs', lab)
    # The grader's own tools (grader/tools.c), and those lab.conf defines.
    default, defined, present, cases = set(), {'native', 'memcheck', 'tsan', 'asan', 'explore'}, {}, {}
    with open(os.path.join(folder, 'lab.conf')) as f:
        for line in f:
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == 'tools':
                default = set(words[1:])
            elif words[0] == 'tool' and len(words) > 1:
                defined.add(words[1])
            elif words[0] == 'suite' and len(words) > 2:
                present[words[1]] = 'hidden' not in words[3:] or \
                    os.path.exists(os.path.join(folder, words[2]))
            elif words[0] == 'case' and len(words) > 3:
                tools = default
                for w in words[4:]:
                    if w.startswith('tools='):
                        tools = set(w[len('tools='):].split(','))
                # A leaderboard rung (0 points, figure=) is never in results.json's tests.
                rung = float(words[3]) == 0 and any(w.startswith('figure=') for w in words[4:])
                if present.get(words[1], True) and not rung:
                    cases[words[2]] = (float(words[3]), tools & defined)
    return cases


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


class Grade:
    """One or two grades' verdicts: {case: (passed, points, output)} and their logs."""

    def __init__(self, leaderboard=False, cc=None):
        self.cases, self.log, self.left, self.returncode = {}, '', [], 0
        self.leaderboard, self.board, self.schema_problem = leaderboard, {}, None
        self.cc = cc  # the compiler labgrade builds with (None: its default)

    def add(self, result):
        for entry in result.get('leaderboard', []):
            self.board[entry['name']] = entry['value']
        for t in result['tests']:
            passed, points, output = self.cases.get(t['name'], (True, t['max_score'], ''))
            self.cases[t['name']] = (passed and t['status'] == 'passed', points,
                                     output + t.get('output', ''))

    def failed(self):
        return {name: out for name, (passed, _, out) in self.cases.items() if not passed}

    def lost(self):
        return sum(points for passed, points, _ in self.cases.values() if not passed)


def run_grader(kit, lab, submission, jobs, tmp, tools, cases, into):
    """Grade under `tools` (None: the lab's) the `cases` (None: all) into `into`."""
    results = os.path.join(tmp, 'results.json')
    if os.path.exists(results):
        os.remove(results)
    command = [os.path.join(KIT, 'grader', 'labgrade'), '--kit', kit, '--jobs', str(jobs),
               '--json', results]
    if tools:
        command += ['--tools', ','.join(sorted(tools))]
    if into.cc:
        command += ['--cc', into.cc]
    if cases:
        command += ['--case', ','.join(sorted(cases))]
    if into.leaderboard:
        command += ['--leaderboard']
    run = subprocess.run(command + [lab, submission], capture_output=True, text=True,
                         errors='replace', env=dict(os.environ, TMPDIR=tmp), timeout=900)
    into.log += run.stdout + run.stderr
    into.left += leftover_processes(tmp)
    if run.returncode not in (0, 1) or not os.path.exists(results):
        into.returncode = run.returncode if run.returncode not in (0, 1) else 2
        return False
    into.returncode = max(into.returncode, run.returncode)
    with open(results) as f:
        into.add(json.load(f))
    if into.leaderboard:
        # A fixture that tests the leaderboard also checks results.json's format.
        try:
            validate_results.main(results)
        except (SystemExit, Exception) as e:  # jsonschema's ValidationError, or exit
            into.schema_problem = str(e)
    return True


def grade(kit, lab, fixture, jobs, tools=None, staged=False, want_slow=(), leaderboard=False,
          cc=None):
    """Grade a fixture; staged: the native-run tools first, the slow tools
    only on the cases that passed them and the cases in want_slow."""
    cases = lab_cases(kit, lab)
    graded = Grade(leaderboard, cc)
    with tempfile.TemporaryDirectory(prefix='labkit-fixture-') as tmp:
        submission = submission_of(kit, lab, fixture, tmp)
        start = time.monotonic()
        used = set().union(*(case_tools for _, case_tools in cases.values()))
        if tools:
            used &= tools
        fast, slow = used - SLOW_TOOLS, used & SLOW_TOOLS
        if not staged or not fast or not slow:
            run_grader(kit, lab, submission, jobs, tmp, tools, None, graded)
        elif run_grader(kit, lab, submission, jobs, tmp, fast, None, graded):
            failed = graded.failed()
            rest = {name for name, (_, case_tools) in cases.items()
                    if case_tools & slow and (name not in failed or name in want_slow)}
            if rest:
                run_grader(kit, lab, submission, jobs, tmp, slow, rest, graded)
        return graded, cases, time.monotonic() - start


def check(kit, lab, fixture, jobs):
    """Returns a list of problems (empty when the fixture got its verdict)."""
    score, fails, tools, figures, cc, saying, chance = read_expect(os.path.join(fixture, 'expect'))
    name = os.path.basename(fixture.rstrip('/'))
    cases = lab_cases(kit, lab)
    slow_runs = sum(len(cases.get(case, (0, set()))[1] & (tools or SLOW_TOOLS) & SLOW_TOOLS)
                    for case in fails)
    want_slow = {case for case, tool in fails.items() if tool in SLOW_TOOLS}
    try:
        graded, cases, seconds = grade(kit, lab, fixture, jobs, tools,
                                       slow_runs >= STAGE_MIN_RUNS, want_slow, bool(figures), cc)
    except fixtures.FixtureError as e:
        return [f'{name}: {e}'], 0
    if graded.returncode not in (0, 1):
        return [f'{name}: the grader failed (exit {graded.returncode}):\n{graded.log}'], 0
    problems = []
    failed = graded.failed()
    full = sum(points for points, _ in cases.values())
    if tools:
        problems += [f'{name}: "fail {case} {tool}" names a tool its "tools" line leaves out'
                     for case, tool in fails.items() if tool and tool not in tools]
    if not tools and set(graded.cases) != set(cases):
        problems.append(f'{name}: the grade ran cases {sorted(set(graded.cases) ^ set(cases))} '
                        f'differently from lab.conf as check_fixtures.py reads it')
    # A may-fail case that failed takes its points with it; every other
    # point is as exact as ever.
    by_chance = sum(cases[case][0] for case in chance & set(failed) if case in cases)
    if abs(full - graded.lost() + by_chance - score) > 1e-9:
        problems.append(f'{name}: scored {full - graded.lost():g}, expected {score:g}'
                        f'{" (under " + ",".join(sorted(tools)) + ")" if tools else ""}')
    for case, tool in fails.items():
        if case not in failed:
            problems.append(f'{name}: case {case} passed, expected it to fail')
        elif tool and f'{tool}:' not in failed[case]:
            problems.append(f'{name}: case {case} failed, but not under {tool}:\n{failed[case]}')
        elif case in saying and saying[case] not in failed[case]:
            problems.append(f'{name}: case {case} failed, but its report does not say '
                            f'"{saying[case]}":\n{failed[case]}')
    if score > 0 or fails:
        for case in failed:
            if case not in fails and case not in chance:
                problems.append(f'{name}: case {case} failed unexpectedly:\n{failed[case]}')
    if graded.schema_problem:
        problems.append(f"{name}: results.json breaks Gradescope's format: {graded.schema_problem}")
    labels = figure_labels(kit, lab) if figures else {}
    for figure, (low, high) in figures.items():
        label = labels.get(figure, figure)
        if label not in graded.board:
            problems.append(f'{name}: no leaderboard figure "{label}" in {sorted(graded.board)}')
        elif not low <= graded.board[label] <= high:
            problems.append(f'{name}: leaderboard figure "{label}" is {graded.board[label]}, '
                            f'expected {low:g}' + (f' to {high:g}' if high != low else ''))
    if graded.left:
        problems.append(f'{name}: processes left running after grading:\n' + '\n'.join(graded.left))
    if problems:
        problems.append(f'{name}: grader output was:\n{graded.log}')
    return problems, seconds


def check_starter(kit, lab, folder, jobs):
    """The starter compiles, is graded cleanly and scores at most a tenth."""
    try:
        graded, cases, seconds = grade(kit, lab, folder, jobs, staged=True)
    except fixtures.FixtureError as e:
        return [f'{folder}: {e}'], 0
    full = sum(points for points, _ in cases.values())
    problems = []
    if graded.returncode != 1 or not graded.cases:
        problems.append(f'grading the starter of {lab} exited with {graded.returncode}')
    elif 'does not compile' in graded.log or 'does not build' in graded.log:
        problems.append(f'the starter of {lab} does not build')
    elif full - graded.lost() > 0.1 * full:
        problems.append(f'the starter of {lab} scores {full - graded.lost():g} of {full:g}')
    if graded.left:
        problems.append('processes left running after grading:\n' + '\n'.join(graded.left))
    if problems:
        problems.append(graded.log)
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
    parser.add_argument('--starter', action='store_true',
                        help='check that each folder is a starter: graded, at most a tenth')
    parser.add_argument('lab')
    parser.add_argument('fixtures', nargs='+')
    args = parser.parse_args()
    work = [(f, attempt) for f in args.fixtures for attempt in range(args.runs)]
    all_problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        futures = {pool.submit(check_starter if args.starter else check, args.kit, args.lab, f,
                               args.jobs): (f, attempt)
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
