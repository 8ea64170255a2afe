#!/usr/bin/python3
"""Check a `labgrade batch` gradebook against the same submissions graded alone.

usage: check_gradebook.py GRADES_DIR STUDENTS_FILE SINGLES_DIR

STUDENTS_FILE has one "student kind" line per submission; SINGLES_DIR holds
single-<kind>.json, the results.json of that kind of submission graded alone.
Kinds without one are "missing" (no mm.c) and "refused" (an unsafe archive).
"""
import csv
import json
import os
import sys
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import validate_results  # noqa: E402

KIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LATE = {'dijkstra'}
NOTES = {'hangs': 'timed out', 'syntax_error': 'does not build', 'missing': 'missing file',
         'refused': 'refused'}


def check_reports(folder, name, problems):
    """The three reports exist and agree with each other."""
    try:
        validate_results.main(os.path.join(folder, 'results.json'))
        with open(os.path.join(folder, 'results.json')) as f:
            results = json.load(f)
        junit = ElementTree.parse(os.path.join(folder, 'junit.xml')).getroot()
        with open(os.path.join(folder, 'report.txt')) as f:
            text = f.read()
    except (OSError, ValueError, ElementTree.ParseError, SystemExit) as e:
        problems.append(f'{name}: a report is missing or malformed: {e}')
        return None
    if len(junit.findall('.//testcase')) != len(results['tests']):
        problems.append(f'{name}: junit.xml and results.json list different cases')
    if f'score: {results["score"]:g}/' not in text:
        problems.append(f'{name}: report.txt does not show the score {results["score"]:g}')
    return results


def why(results, case):
    """The first line of a case's feedback in a results.json, for a message."""
    for t in results['tests'] if results else []:
        if t['name'] == case:
            lines = t.get('output', '').strip().split('\n')
            return lines[1] if len(lines) > 1 else t['status']
    return 'not run'


def figures_of(results):
    """The leaderboard figures (gradebook columns) of the lab a results.json is of."""
    lab = results['output'].rsplit(':', 1)[0].split('\n')[-1]
    names = []
    with open(os.path.join(KIT, 'labs', lab, 'lab.conf')) as f:
        for line in f:
            words = line.split('#')[0].split()
            if words and words[0] == 'figure':
                names.append(words[1])
    return names


def check_row(row, kind, single, batch, cases, problems):
    name = row['student']
    if single is not None:
        if float(row['score']) != single['score']:
            problems.append(f'{name} ({kind}): scored {row["score"]} in the batch, '
                            f'{single["score"]:g} alone')
        alone = {t['name']: t['score'] for t in single['tests']}
        for case in cases:
            got = float(row[case]) if row[case] else None
            if got != alone.get(case):
                problems.append(f'{name} ({kind}): {case} got {got} in the batch '
                                f'({why(batch, case)}), {alone.get(case)} alone '
                                f'({why(single, case)})')
    elif float(row['score']) != 0:
        problems.append(f'{name} ({kind}): expected 0 points, got {row["score"]}')
    if NOTES.get(kind, '') not in row['note']:
        problems.append(f'{name} ({kind}): note "{row["note"]}" does not say "{NOTES[kind]}"')
    late = 'yes' if name in LATE else 'no'
    if row['late'] != late:
        problems.append(f'{name}: late is "{row["late"]}", expected "{late}"')
    if row['status'] != 'graded':
        problems.append(f'{name}: status {row["status"]} on the first run')


def main(grades, students_file, singles):
    with open(students_file) as f:
        students = dict(line.split() for line in f if line.strip())
    with open(os.path.join(grades, 'gradebook.csv'), newline='') as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    kinds = set(students.values())
    single = {}
    for kind in kinds:
        path = os.path.join(singles, f'single-{kind}.json')
        if os.path.exists(path):
            with open(path) as f:
                single[kind] = json.load(f)
    cases = [t['name'] for t in single['solution']['tests']]
    figures = figures_of(single['solution'])
    problems = []
    if header[:7] != ['student', 'score', 'max', 'late', 'newest_file', 'status', 'note'] or \
            header[7:] != cases + figures:
        problems.append(f'gradebook columns {header} are not the fixed ones, then {cases}, '
                        f'then the figures {figures}')
    if sorted(r['student'] for r in rows) != sorted(students):
        problems.append(f'gradebook students {[r["student"] for r in rows]} != {sorted(students)}')
    max_score = sum(t['max_score'] for t in single['solution']['tests'])
    for row in rows:
        kind = students.get(row['student'])
        if kind is None:
            continue
        results = check_reports(os.path.join(grades, row['student']), row['student'], problems)
        check_row(row, kind, single.get(kind), results, cases, problems)
        if float(row['max']) != max_score:
            problems.append(f'{row["student"]}: max {row["max"]}, expected {max_score:g}')
        if results and kind == 'solution':
            hidden = [t for t in results['tests'] if t['visibility'] != 'visible']
            if not hidden or any(t['visibility'] != 'after_published' for t in hidden):
                problems.append(f'{row["student"]}: hidden cases are not after_published')
    for p in problems:
        print(p)
    print(f'{len(rows)} gradebook rows checked against {len(single)} single grades: '
          f'{"ok" if not problems else f"{len(problems)} problems"}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
