#!/bin/sh
# The kit's own tests (`make test`): the grader's unit tests, the grader
# against hostile submissions, and for every lab: its manifest agrees with
# its tests, the solution scores full marks with gcc and with clang, the
# starter scores (near) zero, and each broken fixture loses exactly the points
# it should.  The grader runs built with AddressSanitizer and UBSan.
#
# tests/run.sh LAB (make test LAB=x) runs only that lab's part.
cd "$(dirname "$0")/.." || exit 2
KIT=$(pwd)
ONLY_LAB=${1:-}
if [ -n "$ONLY_LAB" ] && [ ! -f "labs/$ONLY_LAB/lab.conf" ]; then
    echo "tests/run.sh: no lab named $ONLY_LAB (labs/$ONLY_LAB/lab.conf)" >&2
    exit 2
fi
failures=""
started=$(date +%s)

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

warning_free() {
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        make -s -C grader clean >/dev/null
        make -s -C grader CC=$cc CFLAGS="-O2 -g -Werror" >/dev/null || return 1
    done
    make -s -C grader clean >/dev/null && make -s -C grader >/dev/null
}

# The score of a grade, from its results.json.
score_of() {
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["score"])' "$1"
}

max_of() {
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(sum(t["max_score"] for t in r["tests"]))' "$1"
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
# most a tenth of the points.
starter_near_zero() {
    lab=$1
    out=$(mktemp -d)
    grader/labgrade --json "$out/results.json" "$lab" "starter/$lab" >"$out/log" 2>&1
    rc=$?
    ok=1
    if [ $rc != 1 ] || [ ! -s "$out/results.json" ]; then
        echo "grading the starter of $lab exited with $rc"
        ok=0
    elif grep -q "does not compile" "$out/log"; then
        echo "the starter of $lab does not compile"
        ok=0
    else
        score=$(score_of "$out/results.json")
        max=$(max_of "$out/results.json")
        /usr/bin/python3 -c "import sys; sys.exit(0 if $score <= 0.1 * $max else 1)" ||
            { echo "the starter of $lab scores $score of $max"; ok=0; }
    fi
    [ $ok = 1 ] || cat "$out/log"
    rm -rf "$out"
    [ $ok = 1 ]
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
trap 'make -s -C grader clean >/dev/null; make -s -C grader >/dev/null' EXIT

# The tools the clang build of a solution is graded under: all of them, or
# LABKIT_CLANG_TOOLS (e.g. native,memcheck) to save time.
CLANG_TOOLS=${LABKIT_CLANG_TOOLS-native,memcheck}

if [ -z "$ONLY_LAB" ]; then
    section "the grader"
    step "grader builds warning-free with gcc and clang" warning_free
    step "grader builds with AddressSanitizer and UBSan" sanitized_grader
    step "grader unit tests (sanitized)" make -s -C grader SANITIZE=1 check
    step "grader against hostile and broken submissions" \
        tests/check_fixtures.py --kit tests/grader/kit toy tests/grader/submissions/*/
else
    step "grader builds with AddressSanitizer and UBSan" sanitized_grader
fi

for conf in labs/*/lab.conf; do
    lab=$(basename "$(dirname "$conf")")
    [ -z "$ONLY_LAB" ] || [ "$lab" = "$ONLY_LAB" ] || continue
    lab_started=$(date +%s)
    section "lab $lab"
    if [ -d "solutions/$lab" ]; then
        step "$lab: lab.conf agrees with the tests" grader/labgrade lint "$lab"
        step "$lab: the solution scores full marks (gcc)" solution_full_marks "$lab" gcc
        if command -v clang >/dev/null; then
            step "$lab: the solution scores full marks (clang${CLANG_TOOLS:+, $CLANG_TOOLS})" \
                solution_full_marks "$lab" clang "$CLANG_TOOLS"
        fi
    fi
    step "$lab: the starter scores near zero" starter_near_zero "$lab"
    if [ -d "tests/fixtures/$lab" ] && [ -n "$(ls "tests/fixtures/$lab")" ]; then
        step "$lab: broken fixtures lose exactly their points" \
            tests/check_fixtures.py "$lab" tests/fixtures/"$lab"/*/
    fi
    if grep -q '^check:' "labs/$lab/Makefile" 2>/dev/null; then
        step "$lab: the lab's own checks" make -s -C "labs/$lab" check
    fi
    printf 'lab %s took %ss\n' "$lab" $(($(date +%s) - lab_started))
done

if [ -z "$ONLY_LAB" ]; then
    for extra in tests/*/run.sh; do
        [ -x "$extra" ] || continue
        section "$(dirname "$extra")"
        step "$extra" "$extra"
    done
fi

printf '\nmake test took %ss\n' $(($(date +%s) - started))
if [ -n "$failures" ]; then
    printf 'FAILED:%s\n' "$failures"
    exit 1
fi
echo "all passed"
