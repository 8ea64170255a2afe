#!/bin/sh
# The commands a student types and the ones a report prints.  Picking cases:
# `--case` takes several names and globs, an unknown one is an error (exit 2)
# naming the closest cases, and `--task N` (make grade TASK=N) grades the
# cases of the handout's task N from lab.conf's `task` lines.  A failing
# grade keeps its build in the kit's .labgrade/last/, and the rerun and
# replay commands it prints work when pasted from another folder.  Graded
# natively (and explore) on the starters, to stay quick.
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

# The last failing build, and commands that work from anywhere.  A copy of
# the kit, so that this test's .labgrade/ is its own.
mkdir "$T/kit"
git ls-files --cached --others --exclude-standard | grep -v -E '^dist/|\.o$|^\.labgrade/' |
    tar -cf - -T - | tar -C "$T/kit" -xf -
make -s -C "$T/kit" grader >/dev/null 2>&1 || fail "the copy of the kit does not build"
(cd / && "$T/kit/grader/labgrade" --tools native,explore --case 'explore_mutex_excludes,mutex_trylock_semantics' sync) >"$T/out" 2>&1
[ -d "$T/kit/.labgrade/last/build" ] || fail "a failing grade left no build in .labgrade/last"
[ -L "$T/kit/.labgrade/last" ] && [ "$(ls "$T/kit/.labgrade")" = last ] || fail ".labgrade holds more than the link last: $(ls "$T/kit/.labgrade")"
grep -q '/tmp/labgrade\.' "$T/out" && fail "the report names a deleted temporary folder"
replay=$(sed -n 's/^ *replay: //p' "$T/out" | head -n 1)
rerun=$(sed -n 's/^ *\((cd [^)]*)\).*/\1/p' "$T/out" | head -n 1)
[ -n "$replay" ] && [ -n "$rerun" ] || { cat "$T/out"; fail "no replay or rerun command in the report"; }
(cd "$T" && eval "$replay") >"$T/replay.log" 2>&1
grep -q 'two threads inside the critical section' "$T/replay.log" || { cat "$T/replay.log"; fail "the replay command, pasted elsewhere, did not replay the failure"; }
(cd / && eval "$rerun") >"$T/rerun.log" 2>&1
grep -q 'mutex_trylock_semantics' "$T/rerun.log" && grep -q 'Failures: 1' "$T/rerun.log" ||
    { cat "$T/rerun.log"; fail "the rerun command, pasted elsewhere, did not rerun the case"; }
"$T/kit/grader/labgrade" --tools native --case 'coalesce_*' malloc "$T/kit/solutions/malloc" >"$T/out" 2>&1
[ -d "$T/kit/.labgrade/last/build/explore" ] || fail "a full-marks grade replaced the last failing build"
(cd "$T/kit" && git init -q . 2>/dev/null && git add -A >/dev/null 2>&1; git -C "$T/kit" status --porcelain --ignored | grep -q '^!! .labgrade/$') ||
    fail ".labgrade/ is not git-ignored"
ok "a failing build stays in .labgrade/last (git-ignored); its replay and rerun commands work from another folder"

[ $FAILED = 0 ] && echo "commands: all passed" || { echo "commands: FAILED"; exit 1; }
