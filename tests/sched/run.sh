#!/bin/sh
# The explore scheduler's own tests: builds tests/sched/cases.c and
# check_suite.c (explore, normal, TSan builds), checks that each bug is found,
# reported and replayed, and that correct code passes every seed.
# Exits non-zero on any failure.  Usage: tests/sched/run.sh [-v]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMMON=$ROOT/labs/common
HERE=$ROOT/tests/sched
VERBOSE=${1:-}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/lk-sched.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
FAILED=0
LIB="$COMMON/lk_atomic.c $COMMON/lk_sched.c $COMMON/lk_sched_sys.c $COMMON/lk_explore.c $COMMON/lk_mutex.c $COMMON/lk_search.c $COMMON/lk_trace.c"
CFLAGS="-std=gnu11 -g -Wall -Wextra -Werror -I$COMMON"

pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILED=1; }

# expect FILE TEXT...: every TEXT occurs in FILE.
expect() {
    file=$1; shift
    for text in "$@"; do
        grep -qF -- "$text" "$file" || { fail "$(basename "$file"): no '$text'"; return 1; }
    done
    return 0
}

# field FILE NAME: the value of NAME=... on the result line.
field() { sed -n "s/^result .* $2=\([0-9.]*\).*/\1/p" "$1" | head -n 1; }

echo "== build (gcc and clang, explore and normal, -Werror)"
for cc in gcc clang; do
    for mode in explore normal; do
        flag=; [ $mode = explore ] && flag=-DLK_EXPLORE
        # Valgrind 3.19 cannot read clang 14's default DWARF 5.
        $cc $CFLAGS -gdwarf-4 $flag "$HERE/cases.c" $LIB -pthread -o "$OUT/cases-$mode-$cc" ||
            fail "build cases ($cc, $mode)"
        $cc $CFLAGS -gdwarf-4 $flag -I"$ROOT/grader/runner" "$ROOT/grader/runner/runner.c" \
            "$HERE/check_suite.c" $LIB $(pkg-config --cflags --libs check) -pthread \
            -o "$OUT/suite-$mode-$cc" || fail "build check_suite ($cc, $mode)"
    done
done
[ $FAILED = 0 ] || exit 1
pass "builds warning-free"
X=$OUT/cases-explore-gcc
N=$OUT/cases-normal-gcc

# run BIN NAME SEEDS STRATEGY: run one scenario, output in $OUT/NAME-STRATEGY.txt
run() {
    log=$OUT/$2-$4.txt
    "$1" "$2" "$3" "$4" >"$log" 2>&1
    [ -n "$VERBOSE" ] && cat "$log"
    echo "$log"
}

SUMMARY=$OUT/summary
printf '%-26s %-10s %-10s %s\n' scenario random pct "ms/seed (random, pct)" >"$SUMMARY"
# measure NAME SEEDS: failing fractions per strategy, into the summary.
measure() {
    r=$(run "$X" "$1" "$2" random); p=$(run "$X" "$1" "$2" pct)
    printf '%-26s %-10s %-10s %s, %s\n' "$1" "$(field "$r" failed)/$2" "$(field "$p" failed)/$2" \
        "$(echo "$(field "$r" ms) $2" | awk '{printf "%.2f", $1/$2}')" \
        "$(echo "$(field "$p" ms) $2" | awk '{printf "%.2f", $1/$2}')" >>"$SUMMARY"
}

echo "== (1) a non-atomic test-then-set lock fails on many seeds"
for name in tas_lock_2 tas_lock_3 tas_lock_2_inside tas_lock_3_inside; do
    measure $name 100
    log=$OUT/$name-random.txt
    f=$(field "$log" failed)
    if [ "$f" -ge 30 ]; then pass "$name: random fails $f/100 seeds"; else fail "$name: random fails only $f/100"; fi
    expect "$log" "check failed:" "last steps (step, thread, operation, address, value):" \
        "replay: LK_SEED=" && pass "$name: report has reason, trace and replay line"
done
measure tas_lock_2_long 20
for name in tas_lock_2 tas_lock_3 tas_lock_2_long; do
    log=$(run "$N" $name 200 both)
    echo "     plain stress, real threads: $name fails $(field "$log" failed)/200 runs"
done

echo "== (2) correct locks pass every seed"
for name in cas_spinlock cas_spinlock_busy futex_mutex ordered_mutexes; do
    measure $name 50
    for s in random pct; do
        f=$(field "$OUT/$name-$s.txt" failed)
        if [ "$f" = 0 ]; then pass "$name: 0/50 $s seeds fail"; else fail "$name: $f/50 $s seeds fail"; cat "$OUT/$name-$s.txt"; fi
    done
done

echo "== (3) replay: the same seed, the same trace, 10 of 10 times"
log=$OUT/tas_lock_2-random.txt
line=$(grep -m1 '^replay: ' "$log")
seed=$(echo "$line" | sed 's/.*LK_SEED=\([0-9]*\).*/\1/')
hash=$(echo "$line" | sed 's/.*LK_TRACE_HASH=\([0-9a-f]*\).*/\1/')
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    LK_SEED=$seed LK_STRATEGY=random LK_TRACE_HASH=$hash "$X" tas_lock_2 100 random >"$OUT/replay" 2>&1
    got=$(sed -n 's/.*seed [0-9]* random: .*trace hash \([0-9a-f]*\)$/\1/p' "$OUT/replay")
    [ "$got" = "$hash" ] && ! grep -q "replay diverged" "$OUT/replay" && same=$((same + 1))
done
if [ $same = 10 ]; then pass "seed $seed replays with trace hash $hash 10/10 times"; else fail "replay matched $same/10"; fi
LK_SEED=$seed LK_STRATEGY=random LK_TRACE_HASH=0123 "$X" tas_lock_2 100 random >"$OUT/replay" 2>&1
expect "$OUT/replay" "replay diverged" && pass "a wrong LK_TRACE_HASH is reported as a divergence"
# A PCT failure replays too (its k is measured again).
log=$(run "$X" batch 200 pct)
line=$(grep -m1 '^replay: ' "$log")
if [ -n "$line" ]; then
    seed=$(echo "$line" | sed 's/.*LK_SEED=\([0-9]*\).*/\1/')
    hash=$(echo "$line" | sed 's/.*LK_TRACE_HASH=\([0-9a-f]*\).*/\1/')
    LK_SEED=$seed LK_STRATEGY=pct "$X" batch 200 pct >"$OUT/replay" 2>&1
    expect "$OUT/replay" "trace hash $hash" "failed=1" && pass "pct seed $seed replays"
else
    fail "batch: PCT found no failure to replay"
fi

echo "== (4) a lost wakeup is a deadlock, with thread states"
measure lost_wakeup 100
log=$OUT/lost_wakeup-random.txt
expect "$log" "deadlock: every thread is blocked" "T0 (main): joining T1" \
    "T1: blocked on futex at word (sleeping while it holds 0)" "futex_wait word" &&
    pass "lost_wakeup: deadlock report names the futex and the join"

echo "== (5) a livelock hits the step budget"
log=$(run "$X" livelock 10 both)
expect "$log" "step budget exhausted: more than 20000 scheduling points" "T1: runnable" "T2: runnable" \
    "(stopped after a slow failure)" && pass "livelock: budget of 20000 reported, runs stopped"
# Judged by its step count alone: the wall time a step takes depends on the
# machine's load, so the run gets a generous timeout.
log=$(LK_RUN_TIMEOUT=120 run "$X" livelock_default_budget 1 random)
expect "$log" "more than 200000 scheduling points" && pass "livelock: default budget 200000 in $(field "$log" ms) ms"

echo "== (6) ABBA with lk_mutex is a deadlock cycle naming both mutexes"
measure abba 100
log=$OUT/abba-random.txt
expect "$log" "deadlock: every thread is blocked" "waiting for mutex A held by T" \
    "waiting for mutex B held by T" "cycle: T1 -> T2 -> T1" && pass "abba: cycle reported"

echo "== more: PCT finds a deep ordering bug random misses; crashes; hangs"
measure batch 200
r=$(field "$OUT/batch-random.txt" failed); p=$(field "$OUT/batch-pct.txt" failed)
if [ "$p" -gt "$r" ]; then pass "batch: pct $p/200 > random $r/200"; else fail "batch: pct $p, random $r"; fi
log=$(run "$X" crash 5 random)
expect "$log" "crashed: signal 11" "store" && pass "a crashing run is reported with its trace"
log=$OUT/hang.txt
LK_RUN_TIMEOUT=0.3 "$N" hang 3 both >"$log" 2>&1
expect "$log" "timed out after 0.3 s" "failed=1" && pass "normal build: a hung run times out (0.3 s)"

echo "== (7) systematic: every schedule within a preemption bound, the smallest failure shown"
# run_sys NAME BOUND [MAX_SCHEDULES]: output in $OUT/NAME-sys-BOUND.txt
run_sys() {
    log=$OUT/$1-sys-$2.txt
    "$X" "$1" 10 systematic "$2" ${3:-} >"$log" 2>&1
    [ -n "$VERBOSE" ] && cat "$log"
    echo "$log"
}
# Two threads, each checking `inside` in its critical section, with a lock
# whose test and set are two steps: the bug needs two preemptions (T1 stops
# between its test and its set; T2 takes the lock and stops inside), and the
# smallest schedule showing it has 9 steps.
log=$(run_sys tas_lock_2_inside 2)
expect "$log" "found a failing schedule with 2 preemptions" "every schedule with at most 1 passed" \
    "The smallest failing schedule: 2 preemptions, 9 steps:" \
    "check failed: 1 other thread(s) inside the critical section" \
    "^^ T1 preempted here: T2 runs" "^^ T2 preempted here: T1 runs" \
    "T1 was preempted after \`load flag -> 0\` (step 4, cases.c:" \
    "T2 was preempted after \`fetch_add inside -> 0\` (step 7, cases.c:" \
    "replay: LK_STRATEGY=systematic LK_SCHEDULE=5:2,9:1 LK_TRACE_HASH=" &&
    pass "tas_lock_2_inside: found at bound 2, shown in 9 steps with both preemptions and their lines"
for b in -1 1; do
    log=$(run_sys tas_lock_2_inside $b)
    if expect "$log" "schedules passed" && [ "$(field "$log" failed)" = 0 ]; then
        pass "tas_lock_2_inside: bound $b covers no failing schedule ($(sed -n 's/.*: \(all [0-9]* schedules passed\).*/\1/p' "$log"))"
    else
        fail "tas_lock_2_inside: bound $b should pass"
    fi
done
log=$(run_sys tas_lock_2_inside 2)
cp "$log" "$OUT/again.txt"; log=$(run_sys tas_lock_2_inside 2)
if cmp -s "$OUT/again.txt" "$log" || [ "$(grep -v '^result\|ms)$\|processor s' "$OUT/again.txt")" = "$(grep -v '^result\|ms)$\|processor s' "$log")" ]; then
    pass "tas_lock_2_inside: the search reports the same schedule every run"
else
    fail "tas_lock_2_inside: two searches differ"; diff "$OUT/again.txt" "$log"
fi
line=$(grep -m1 '^replay: ' "$log")
sched=$(echo "$line" | sed 's/.*LK_SCHEDULE=\([0-9:,]*\).*/\1/')
hash=$(echo "$line" | sed 's/.*LK_TRACE_HASH=\([0-9a-f]*\).*/\1/')
LK_STRATEGY=systematic LK_SCHEDULE=$sched LK_TRACE_HASH=$hash "$X" tas_lock_2_inside 10 systematic \
    >"$OUT/replay" 2>&1
expect "$OUT/replay" "systematic schedule: check failed, 9 steps, trace hash $hash" "failed=1" &&
    ! grep -q "diverged" "$OUT/replay" && pass "LK_SCHEDULE=$sched replays it (trace hash $hash)"
# A lost wakeup: one preemption, between the waiter's check and its sleep.
log=$(run_sys lost_wakeup 2)
expect "$log" "The smallest failing schedule: 1 preemption, 8 steps:" "deadlock: every thread is blocked" \
    "T1 was preempted after \`load ready -> 0\`" "futex_wait word while 0" &&
    pass "lost_wakeup: 1 preemption, 8 steps, the sleep after the lost wake shown"
log=$(run_sys abba 2)
expect "$log" "The smallest failing schedule: 1 preemption, 7 steps:" "cycle: T1 -> T2 -> T1" \
    "T1 was preempted after \`lock A\`" && pass "abba: 1 preemption, 7 steps, the cycle named"
# A busy spin (no lk_cpu_relax) is waiting, not an endless branch: the
# search ends, and still finds the broken lock's bug.
log=$(run_sys tas_lock_2_busy 2)
expect "$log" "The smallest failing schedule: 2 preemptions, 9 steps:" &&
    pass "tas_lock_2_busy: a busy-waiting lock is searched to its bug"
for name in cas_spinlock cas_spinlock_busy futex_mutex ordered_mutexes; do
    log=$(run_sys $name 2)
    if grep -q "at most 2 preemptions: all [0-9]* schedules passed" "$log" && [ "$(field "$log" failed)" = 0 ]; then
        pass "$name: $(sed -n 's/.*: \(all [0-9]* schedules passed\).*/\1/p' "$log") with at most 2 preemptions"
    else
        fail "$name: systematic search"; cat "$log"
    fi
done
log=$(run_sys cas_spinlock 2 100)
expect "$log" "the budget ran out at 1 (100 runs" "pct (d=3): 10 runs, 0 failed" &&
    pass "cas_spinlock: past its budget of 100 schedules the search falls back to PCT seeds"
log=$(run_sys livelock 2)
expect "$log" "step budget exhausted: more than 20000 scheduling points" "spinning on went[" &&
    pass "livelock: both threads spinning, reported as a spent budget"

echo "== inside Check (runner.c), one case per process"
S=$OUT/suite-explore-gcc
"$S" futex_mutex_counts_exactly >"$OUT/c1" 2>&1 && pass "explore: futex_mutex_counts_exactly passes" ||
    { fail "explore: futex_mutex_counts_exactly"; cat "$OUT/c1"; }
"$S" abba_deadlock_is_reported_as_a_cycle >"$OUT/c2" 2>&1 && pass "explore: abba case passes" ||
    { fail "explore: abba case"; cat "$OUT/c2"; }
if "$S" test_then_set_lock_counts_exactly >"$OUT/c3" 2>&1; then
    fail "explore: test_then_set_lock_counts_exactly should fail"
else
    expect "$OUT/c3" "check failed: counter: expected 9" "replay: LK_SEED=" \
        "test_then_set_lock_counts_exactly" && pass "explore: broken lock fails, report in the message"
fi
if "$S" test_then_set_lock_systematic >"$OUT/c6" 2>&1; then
    fail "explore: test_then_set_lock_systematic should fail"
else
    expect "$OUT/c6" "smallest failing schedule: 2 preemptions" "preempted here" \
        "replay: LK_STRATEGY=systematic LK_SCHEDULE=" &&
        pass "explore: a case choosing LK_SYSTEMATIC fails with the smallest schedule"
fi
"$S" futex_mutex_systematic >"$OUT/c7" 2>&1 && pass "explore: futex_mutex_systematic passes" ||
    { fail "explore: futex_mutex_systematic"; cat "$OUT/c7"; }
"$OUT/suite-normal-gcc" futex_mutex_systematic >"$OUT/c8" 2>&1 &&
    pass "normal: futex_mutex_systematic passes (stress runs)" || fail "normal: futex_mutex_systematic"
CK_FORK=no "$S" futex_mutex_counts_exactly >"$OUT/c4" 2>&1 && pass "explore: CK_FORK=no works" ||
    fail "explore: CK_FORK=no"
"$OUT/suite-normal-gcc" futex_mutex_counts_exactly >"$OUT/c5" 2>&1 &&
    pass "normal: futex_mutex_counts_exactly passes" || fail "normal: futex_mutex_counts_exactly"

echo "== normal build under TSan and Valgrind: quiet on correct code"
if cc $CFLAGS -fsanitize=thread "$HERE/cases.c" $LIB -pthread -o "$OUT/cases-tsan" 2>"$OUT/tsan-build"; then
    tsan_run() { TSAN_OPTIONS=exitcode=66 LK_SLOWDOWN=5 "$OUT/cases-tsan" "$@"; }
    tsan_run futex_mutex 5 both >/dev/null 2>&1 || tsan_run() { TSAN_OPTIONS=exitcode=66 LK_SLOWDOWN=5 setarch -R "$OUT/cases-tsan" "$@"; }
    for name in cas_spinlock futex_mutex ordered_mutexes tas_lock_2; do
        tsan_run $name 50 both >"$OUT/tsan-$name" 2>&1
        if grep -q "ThreadSanitizer" "$OUT/tsan-$name" || [ "$(field "$OUT/tsan-$name" failed)" != 0 ]; then
            fail "tsan: $name"; head -30 "$OUT/tsan-$name"
        else
            pass "tsan: $name clean ($(field "$OUT/tsan-$name" seeds) seeds asked, scaled /5)"
        fi
    done
else
    fail "tsan build"; cat "$OUT/tsan-build"
fi
if command -v valgrind >/dev/null; then
    for name in futex_mutex ordered_mutexes; do
        LK_SLOWDOWN=10 valgrind -q --error-exitcode=97 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect "$N" $name 20 both >"$OUT/vg-$name" 2>&1
        rc=$?
        if [ $rc = 0 ] && [ "$(field "$OUT/vg-$name" failed)" = 0 ]; then
            pass "memcheck: $name clean"
        else
            fail "memcheck: $name (rc $rc)"; head -30 "$OUT/vg-$name"
        fi
    done
fi

echo "== failing seeds per strategy (explore build)"
cat "$SUMMARY"
[ $FAILED = 0 ] && echo "all scheduler tests passed" || echo "some scheduler tests FAILED"
exit $FAILED
