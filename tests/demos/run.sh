#!/bin/sh
# The labs' demos and the book's bug examples show their bug on every run,
# on an idle machine and under load, and the lab Makefiles follow one
# convention (docs/lab-format.md): SUBMISSION= from the kit's root or the
# lab's folder, a missing submission named, a demo that shows a bug (or a
# ThreadSanitizer report) exits 0 without make's "Error".
#
#   tests/demos/run.sh      (from anywhere; about two minutes, mostly waiting)
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/labkit-demos.XXXXXX)
HOGS=""
trap 'for p in $HOGS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
ok() { echo "ok   $*"; }
# Forced schedules are deterministic: two runs each way show that; DEMO_RUNS=N for more.
RUNS=${DEMO_RUNS:-2}

# Two busy loops, one per core of the test machine, while the loaded runs go.
load_on() {
    for _ in 1 2; do
        sh -c 'while :; do :; done' &
        HOGS="$HOGS $!"
    done
}
load_off() {
    for p in $HOGS; do kill "$p" 2>/dev/null; done
    HOGS=""
}

# Each of the race lab's forced demos, the racy counter and the deadlock
# example: RUNS times idle and RUNS times loaded, the bug every time.
make -s -C labs/race clean
make -s -C labs/race demo >"$T/race.log" 2>&1 || { cat "$T/race.log"; fail "make -C labs/race demo"; }
grep -q 'Error' "$T/race.log" && fail "make -C labs/race demo printed an Error"
make -s -C docs examples >"$T/docs.log" 2>&1 || { cat "$T/docs.log"; fail "make -C docs examples"; }
check_every_run() { # LABEL
    for i in $(seq $RUNS); do
        for d in counter bank stack sum; do
            labs/race/build/starter_race/$d >"$T/out" 2>&1
            rc=$?
            [ $rc = 0 ] && grep -q "^$d: wrong under [0-9]* of the 20 schedules  <- wrong" "$T/out" ||
                { cat "$T/out"; fail "race demo $d ($1, run $i): exit $rc, no bug shown"; }
        done
        for d in table mailbox; do # not forced: a delay, and the compiler, make these sure
            labs/race/build/starter_race/$d >"$T/out" 2>&1
            grep -q '<- wrong' "$T/out" || { cat "$T/out"; fail "race demo $d ($1, run $i) showed no bug"; }
        done
        docs/_build/examples/racy_counter >"$T/out" 2>&1
        grep -q '^forced schedule (seed 1): increments were lost' "$T/out" ||
            { cat "$T/out"; fail "racy_counter ($1, run $i) lost no increment under its seed"; }
        docs/_build/examples/deadlock >"$T/out" 2>/dev/null
        rc=$?
        [ $rc = 0 ] && grep -q 'cycle: T1 -> T2 -> T1' "$T/out" && grep -q -- '-> deadlock under' "$T/out" ||
            { cat "$T/out"; fail "deadlock example ($1, run $i): exit $rc, no deadlock shown"; }
        for d in bank philosophers; do
            make -s -C labs/deadlock "demo-$d" >"$T/out" 2>&1
            rc=$?
            [ $rc = 0 ] && grep -q '^deadlock: a cycle of' "$T/out" && ! grep -q 'Error' "$T/out" ||
                { cat "$T/out"; fail "deadlock lab demo-$d ($1, run $i): exit $rc, no cycle shown"; }
        done
    done
}
check_every_run idle
ok "the six race demos, racy_counter, deadlock example and lab demos: the bug on $RUNS of $RUNS idle runs"
load_on
check_every_run loaded
load_off
ok "the same on $RUNS of $RUNS runs with both cores busy"

# The same demos on the solution: no bug to show, and they say so.
make -s -C labs/race demo SUBMISSION=solutions/race >"$T/sol.log" 2>&1 || { cat "$T/sol.log"; fail "race demo on the solution"; }
grep -q '<- wrong' "$T/sol.log" && { cat "$T/sol.log"; fail "the race demos find a bug in the solution"; }
for d in counter bank stack sum; do
    grep -q "^$d: all 20 schedules came out right" "$T/sol.log" || fail "the $d demo on the solution does not say it came out right"
done
ok "SUBMISSION=solutions/race: every forced demo comes out right and says so"

# SUBMISSION relative to the lab's folder, and a folder without the files.
make -s -C labs/race demo SUBMISSION=../../starter/race >"$T/rel.log" 2>&1 && grep -q '<- wrong' "$T/rel.log" ||
    { cat "$T/rel.log"; fail "SUBMISSION relative to labs/race"; }
for lab in race sync malloc channels eventloop ownership stm; do
    target=bench
    [ $lab = race ] && target=demo
    make -s -C labs/$lab $target SUBMISSION=no/such/folder >"$T/none.log" 2>&1 &&
        fail "make -C labs/$lab $target SUBMISSION=no/such/folder succeeded"
    grep -q "in SUBMISSION=no/such/folder" "$T/none.log" || { cat "$T/none.log"; fail "labs/$lab does not name the missing submission"; }
    make -s -C labs/$lab help >"$T/help.log" 2>&1 && grep -q 'SUBMISSION=starter/' "$T/help.log" ||
        { cat "$T/help.log"; fail "labs/$lab help does not show the default SUBMISSION=starter/$lab"; }
done
make -s -C labs/deadlock help >"$T/help.log" 2>&1; grep -q 'SUBMISSION is not used by them' "$T/help.log" || fail "labs/deadlock help does not say SUBMISSION is not used"
ok "SUBMISSION= from the kit's root or the lab's folder; a missing one named; help shows the default"

# demo-tsan: reports are the result, not an error of make.
make -s -C labs/race demo-tsan >"$T/tsan.log" 2>&1
rc=$?
[ $rc = 0 ] || { tail -5 "$T/tsan.log"; fail "make -C labs/race demo-tsan exited $rc"; }
grep -q 'Error 66' "$T/tsan.log" && fail "demo-tsan still ends with make's Error 66"
grep -q '^ThreadSanitizer reported data races in: counter' "$T/tsan.log" || { tail -5 "$T/tsan.log"; fail "demo-tsan does not name the reported programs"; }
ok "make -C labs/race demo-tsan exits 0 and names the programs TSan reported"

# Printed paths work from the kit's root.
make -s -C labs/deadlock demo-bank 2>&1 | sed -n 's/^wait-for graph: \([^ ]*\).*/\1/p' >"$T/dot"
[ -s "$T/dot" ] && [ -f "$(cat "$T/dot")" ] || fail "the deadlock demo's graph path $(cat "$T/dot") does not exist from the kit's root"
replay=$(sed -n 's/^replay: .* \(\/[^ ]*\)$/\1/p' "$T/race.log" | head -n 1)
[ -n "$replay" ] && [ -x "$replay" ] || fail "the race demo's replay line names no program that exists from the kit's root"
ok "the graph and replay paths the demos print exist from the kit's root"

[ $FAILED = 0 ] && echo "demos: all passed" || { echo "demos: FAILED"; exit 1; }
