#!/bin/sh
# The kit's own tests (`make test`): the grader's unit tests, the grader
# against hostile submissions, and for every lab: its manifest agrees with
# its tests, the solution scores full marks with gcc and with clang, the
# starter scores (near) zero, and each broken fixture loses exactly the points
# it should.  The grader runs built with AddressSanitizer and UBSan.
#
# tests/run.sh LAB (make test LAB=x) runs only that lab's part.
#
# Independent steps run at once (docs/lab-format.md, "The time budget"):
# a lab's solution and starter grades beside its fixtures, and the grader's
# tests and tests/*/run.sh beside the labs.  A step's output is printed
# whole when it ends.
cd "$(dirname "$0")/.." || exit 2
KIT=$(pwd)
ONLY_LAB=${1:-}
if [ -n "$ONLY_LAB" ] && [ ! -f "labs/$ONLY_LAB/lab.conf" ]; then
    echo "tests/run.sh: no lab named $ONLY_LAB (labs/$ONLY_LAB/lab.conf)" >&2
    exit 2
fi
failures=""
started=$(date +%s)
OUT=$(mktemp -d /tmp/labkit-test.XXXXXX)

section() {
    printf '\n== %s\n' "$1"
}

# Run a step; remember it if it failed.
step() {
    name=$1
    shift
    t0=$(date +%s)
    if "$@"; then
        printf 'ok   %s (%ss)\n' "$name" $(($(date +%s) - t0))
    else
        printf 'FAIL %s (%ss)\n' "$name" $(($(date +%s) - t0))
        failures="$failures
  $name"
    fi
}

# step_bg NAME COMMAND...: a step run in the background, its output kept;
# steps_wait prints those steps in the order they were started.
bg_steps=""
bg_count=0
step_bg() {
    bg_count=$((bg_count + 1))
    n=$bg_count
    bg_name=$1
    shift
    (
        # The command may run steps of its own: their names, not this
        # step's, are what failed (`step` sets `name` and `failures`).
        failures=""
        t0=$(date +%s)
        if "$@" >"$OUT/bg$n.log" 2>&1; then v=ok; else v=FAIL; fi
        echo "$v $(($(date +%s) - t0)) $bg_name" >"$OUT/bg$n.status"
        printf '%s' "$failures" >"$OUT/bg$n.failures"
    ) &
    bg_steps="$bg_steps $n:$!"
}
steps_wait() {
    for s in $bg_steps; do
        wait "${s#*:}"
        n=${s%%:*}
        cat "$OUT/bg$n.log"
        read -r v t name <"$OUT/bg$n.status"
        if [ "$v" = ok ]; then
            printf 'ok   %s (%ss)\n' "$name" "$t"
        else
            printf 'FAIL %s (%ss)\n' "$name" "$t"
            inner=$(cat "$OUT/bg$n.failures" 2>/dev/null)
            failures="$failures${inner:-
  $name}"
        fi
    done
    bg_steps=""
}

# A copy of the grader's sources, so the labs can use grader/labgrade while
# this builds.
warning_free() {
    copy=$(mktemp -d /tmp/labkit-warnings.XXXXXX)
    cp -r grader "$copy/" && make -s -C "$copy/grader" clean >/dev/null || return 1
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        make -s -C "$copy/grader" clean >/dev/null
        make -s -C "$copy/grader" CC=$cc CFLAGS="-O2 -g -Werror" >/dev/null || return 1
    done
    rm -rf "$copy"
}

# solution_full_marks LAB [CC [TOOLS]]
solution_full_marks() {
    lab=$1
    out=$(mktemp -d)
    grader/labgrade --cc "${2:-cc}" ${3:+--tools "$3"} --json "$out/results.json" "$lab" \
        "solutions/$lab" >"$out/log" 2>&1
    rc=$?
    [ $rc = 0 ] || cat "$out/log"
    [ $rc = 0 ] && tests/validate_results.py "$out/results.json"
    rc=$?
    rm -rf "$out"
    return $rc
}

# The starter builds, is graded cleanly (exit 1, not a crash) and scores at
# most a tenth of the points.  Valgrind and the sanitizers run only on the
# cases it passes natively: a case that fails natively scores 0 anyway.
starter_near_zero() {
    tests/check_fixtures.py --starter "$1" "starter/$1" >"$OUT/starter-$1.log" 2>&1 ||
        { cat "$OUT/starter-$1.log"; return 1; }
}

# The grader and its unit tests under AddressSanitizer and UBSan for the rest
# of the run; a plain grader again afterwards.
sanitized_grader() {
    make -s -C grader clean >/dev/null && make -s -C grader SANITIZE=1 >/dev/null
}
# Memory errors, undefined behaviour and memory still held at exit (on every
# path, early error returns too) stop the sanitized grader: a leak is a
# finding, its exit status (23) fails the step.
export ASAN_OPTIONS=detect_leaks=1
trap 'make -s -C grader clean >/dev/null; make -s -C grader >/dev/null; rm -rf "$OUT"' EXIT

# The tools the clang build of a solution is graded under: all of them, or
# LABKIT_CLANG_TOOLS (e.g. native,memcheck) to save time.
CLANG_TOOLS=${LABKIT_CLANG_TOOLS-native,memcheck}

# The grader's tests and tests/*/run.sh, one after the other, beside the labs.
the_rest() {
    section "the grader"
    step "grader builds warning-free with gcc and clang" warning_free
    step "grader unit tests (sanitized)" make -s -C grader SANITIZE=1 check
    step "grader against hostile and broken submissions" \
        tests/check_fixtures.py --kit tests/grader/kit toy tests/grader/submissions/*/
    for extra in tests/*/run.sh; do
        [ -x "$extra" ] || continue
        # tests/load grades every correct submission ten times beside CPU
        # hogs: a proof to run by hand (docs/lab-format.md), not every time.
        [ "$extra" = tests/load/run.sh ] && continue
        section "$(dirname "$extra")"
        step "$extra" "$extra"
    done
    [ -z "$failures" ]
}

step "grader builds with AddressSanitizer and UBSan" sanitized_grader
if [ -z "$ONLY_LAB" ]; then
    step_bg "the grader's tests and tests/*/run.sh" the_rest
    rest_step=$bg_steps
    bg_steps=""
fi

for conf in labs/*/lab.conf; do
    lab=$(basename "$(dirname "$conf")")
    [ -z "$ONLY_LAB" ] || [ "$lab" = "$ONLY_LAB" ] || continue
    lab_started=$(date +%s)
    section "lab $lab"
    if [ -d "solutions/$lab" ]; then
        step "$lab: lab.conf agrees with the tests" grader/labgrade lint "$lab"
        step_bg "$lab: the solution scores full marks (gcc)" solution_full_marks "$lab" gcc
        if command -v clang >/dev/null; then
            step_bg "$lab: the solution scores full marks (clang${CLANG_TOOLS:+, $CLANG_TOOLS})" \
                solution_full_marks "$lab" clang "$CLANG_TOOLS"
        fi
    fi
    step_bg "$lab: the starter scores near zero" starter_near_zero "$lab"
    if [ -d "tests/fixtures/$lab" ] && [ -n "$(ls "tests/fixtures/$lab")" ]; then
        step "$lab: broken fixtures lose exactly their points" \
            tests/check_fixtures.py "$lab" tests/fixtures/"$lab"/*/
    fi
    if grep -q '^check:' "labs/$lab/Makefile" 2>/dev/null; then
        step "$lab: the lab's own checks" make -s -C "labs/$lab" check
    fi
    steps_wait
    printf 'lab %s took %ss\n' "$lab" $(($(date +%s) - lab_started))
done

if [ -z "$ONLY_LAB" ]; then
    bg_steps=$rest_step
    section "the grader's tests and tests/*/run.sh (run beside the labs)"
    steps_wait
fi

printf '\nmake test took %ss\n' $(($(date +%s) - started))
if [ -n "$failures" ]; then
    printf 'FAILED:%s\n' "$failures"
    exit 1
fi
echo "all passed"
