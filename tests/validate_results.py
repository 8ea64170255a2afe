#!/usr/bin/python3
"""Validate a results.json against Gradescope's format, and check it adds up:
the score is the sum of the tests' scores, none above its max_score."""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'schemas',
                      'gradescope-results.json')


def main(path):
    with open(path) as f:
        results = json.load(f)
    with open(SCHEMA) as f:
        jsonschema.validate(results, json.load(f))
    total = sum(t['score'] for t in results['tests'])
    if abs(total - results['score']) > 1e-9:
        sys.exit(f'{path}: score {results["score"]} is not the sum of the tests, {total}')
    for t in results['tests']:
        if not 0 <= t['score'] <= t['max_score']:
            sys.exit(f'{path}: test {t["name"]} scores {t["score"]} of {t["max_score"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
