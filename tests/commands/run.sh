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
# In each lab with handout tasks, every case belongs to one task, and every
# task picks a case (a leaderboard rung, worth 0 points, is in none).
for lab in malloc sync race deadlock eventloop channels ownership stm actors; do
python3 - labs/$lab/lab.conf <<'PY' || fail "$lab's tasks do not cover its cases once each"
import fnmatch, shlex, sys
lines = [shlex.split(l.split('#')[0]) for l in open(sys.argv[1])]
cases = [w[2] for w in lines if w and w[0] == 'case'
         and not (float(w[3]) == 0 and any(x.startswith('figure=') for x in w[4:]))]
tasks = [w[3:] for w in lines if w and w[0] == 'task']
owners = {c: [i for i, pats in enumerate(tasks) if any(fnmatch.fnmatch(c, p) for p in pats)] for c in cases}
bad = {c: o for c, o in owners.items() if len(o) != 1}
empty = [i + 1 for i, pats in enumerate(tasks) if not any(fnmatch.fnmatch(c, p) for c in cases for p in pats)]
if bad or empty or not tasks:
    print(sys.argv[1], 'cases in no task or several:', bad, 'tasks with no case:', empty)
sys.exit(1 if bad or empty or not tasks else 0)
PY
done
ok "make grade LAB=sync TASK=2 grades exactly Task 2's cases; an unknown task lists the tasks; each lab's tasks cover its cases"

# The report: one reason, failed by every case of the malloc starter, is
# explained once; the summary by task names the task to work on next.
$G --tools native malloc >"$T/out" 2>&1
[ "$(grep -c 'mm_init() on an empty heap' "$T/out")" = 1 ] || { cat "$T/out"; fail "the malloc starter's one reason is not printed once"; }
grep -q '^  [0-9]* cases fail the same way' "$T/out" || fail "the malloc starter's report does not group its failures"
grep -q '^next: Task 1, an implicit free list (0/[0-9]*)$' "$T/out" || { cat "$T/out"; fail "the report does not say which task is next"; }
grep -q '^malloc: malloc:' "$T/out" && fail "the report's title names the lab twice"
grep -q '(1 points)' "$T/out" && fail "the report says (1 points)"
ok "a reason many cases share is printed once, with the cases; the report ends with points by task and the next task"

# A test's headline over an explore report counts nothing of its own: the
# report says how many runs failed of how many ran (runs stop early after a
# slow failure, so "N of 2 x seeds" would disagree with it).
for lab in channels stm sync race deadlock ownership actors; do
    grep -rn -E '"%d of %d (forced )?schedules' labs/$lab --include=*.c && fail "$lab: a test's message counts schedules its report may not have run"
done
ok "explore failures give one count, the report's"

# The last failing build, and commands that work from anywhere.  A copy of
# the kit, so that this test's .labgrade/ is its own.
mkdir "$T/kit"
git ls-files --cached --others --exclude-standard | grep -v -E '^dist/|\.o$|^\.labgrade/' |
    tar -cf - -T - | tar -C "$T/kit" -xf -
make -s -C "$T/kit" grader >/dev/null 2>&1 || fail "the copy of the kit does not build"
(cd / && "$T/kit/grader/labgrade" --tools native,explore --case 'explore_mutex_excludes,mutex_trylock_semantics' sync) >"$T/out" 2>&1
cp "$T/out" "$T/out.explore"
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

# The failing explore schedule of that grade, drawn as swimlanes: an SVG
# beside the kept build, named in the report.
svg=$(sed -n 's/^ *the schedule drawn as swimlanes (open it in a browser): //p' "$T/out.explore" | head -n 1)
case $svg in
"$T/kit/.labgrade/last/"*.svg) ;;
*) cat "$T/out.explore"; fail "the report names no drawing of the failing schedule under .labgrade/last" ;;
esac
[ -f "$svg" ] && python3 -c 'import sys, xml.etree.ElementTree as E; sys.exit(E.parse(sys.argv[1]).getroot().tag != "{http://www.w3.org/2000/svg}svg")' "$svg" ||
    fail "the drawing $svg is not an SVG file"
grep -q 'T1 preempted here: T2 runs' "$svg" && grep -q 'fetch_add inside' "$svg" ||
    fail "the drawing does not show the steps and the preemption of the report's table"
ok "a failing forced schedule is drawn as per-thread swimlanes (SVG) beside the kept build, and the report names it"

[ $FAILED = 0 ] && echo "commands: all passed" || { echo "commands: FAILED"; exit 1; }
