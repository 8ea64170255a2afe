#!/bin/sh
# Picking cases: `--case` takes several names and globs, an unknown one is an
# error (exit 2) naming the closest cases, and `--task N` (make grade
# TASK=N) grades the cases of the handout's task N from lab.conf's `task`
# lines.  Graded natively on the starters, to stay quick.
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/labkit-select.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
ok() { echo "ok   $*"; }
G=grader/labgrade
names() { python3 -c "import json, sys; print(' '.join(sorted(t['name'] for t in json.load(open(sys.argv[1]))['tests'])))" "$1"; }
expect_names() { # JSON WANT...: the graded cases are exactly WANT
    json=$1 && shift
    want=$(printf '%s\n' "$@" | sort | paste -sd ' ' -)
    [ "$(names "$json")" = "$want" ] || fail "graded $(names "$json"), expected $want"
}

$G --tools native --case nosuch malloc >"$T/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "--case nosuch exited $rc, expected 2"
grep -q "no case of malloc is named 'nosuch'" "$T/out" || { cat "$T/out"; fail "--case nosuch does not say so"; }
grep -q 'score: 0/0' "$T/out" && fail "--case nosuch still prints score: 0/0"
$G --tools native --case coalesce_with_nxt_block malloc >"$T/out" 2>&1
[ $? = 2 ] && grep -q 'the closest: coalesce_with_next_block' "$T/out" || { cat "$T/out"; fail "a misspelt case does not name the right one first"; }
$G --tools native --case 'nothing_like_this_*' malloc >"$T/out" 2>&1
[ $? = 2 ] || fail "a glob that matches no case is not an error"
$G batch --case nosuch malloc "$T" --out "$T/grades" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "named 'nosuch'" "$T/out" || { cat "$T/out"; fail "labgrade batch --case nosuch is not an error"; }
ok "an unknown --case (name or glob) exits 2 naming the closest cases, in labgrade and batch"

$G --tools native --json "$T/r.json" --case 'coalesce_*,free_null_does_nothing' malloc >"$T/out" 2>&1
[ $? -le 1 ] || { cat "$T/out"; fail "--case with a glob and a name failed"; }
expect_names "$T/r.json" $(awk '$1 == "case" && ($3 ~ /^coalesce_/ || $3 == "free_null_does_nothing") { print $3 }' labs/malloc/lab.conf)
$G --tools native --json "$T/r.json" --case malloc_zero_returns_null --case free_null_does_nothing malloc >"$T/out" 2>&1
expect_names "$T/r.json" malloc_zero_returns_null free_null_does_nothing
ok "--case takes globs and several names (comma-separated or repeated)"

make -s grade LAB=sync TASK=2 ARGS="--tools native,explore --json $T/t.json" >"$T/out" 2>&1 || { cat "$T/out"; fail "make grade LAB=sync TASK=2"; }
grep -q '^task 2, the futex mutex' "$T/out" || { cat "$T/out"; fail "TASK=2 does not say which task it grades"; }
expect_names "$T/t.json" $(awk '$1 == "case" && $3 ~ /^(explore_)?mutex_/ { print $3 }' labs/sync/lab.conf)
make -s grade LAB=sync TASK=9 >"$T/out" 2>&1 && fail "TASK=9 succeeded"
grep -q 'sync has no task 9; its tasks: 1 (the spinlock), 2 (the futex mutex)' "$T/out" || { cat "$T/out"; fail "TASK=9 does not list the tasks"; }
# Every sync case belongs to one task, and every task picks a case.
python3 - labs/sync/lab.conf <<'PY' || fail "sync's tasks do not cover its cases once each"
import fnmatch, shlex, sys
lines = [shlex.split(l.split('#')[0]) for l in open(sys.argv[1])]
cases = [w[2] for w in lines if w and w[0] == 'case']
tasks = [w[3:] for w in lines if w and w[0] == 'task']
owners = {c: [i for i, pats in enumerate(tasks) if any(fnmatch.fnmatch(c, p) for p in pats)] for c in cases}
bad = {c: o for c, o in owners.items() if len(o) != 1}
empty = [i + 1 for i, pats in enumerate(tasks) if not any(fnmatch.fnmatch(c, p) for c in cases for p in pats)]
if bad or empty:
    print('cases in no task or several:', bad, 'tasks with no case:', empty)
sys.exit(1 if bad or empty or not tasks else 0)
PY
ok "make grade LAB=sync TASK=2 grades exactly Task 2's cases; an unknown task lists the tasks"

[ $FAILED = 0 ] && echo "select: all passed" || { echo "select: FAILED"; exit 1; }
