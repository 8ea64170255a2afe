#!/bin/sh
# Measures the forced schedules on a lab's solution and broken fixtures: for
# each explore case, how many of the case's random and PCT seeds fail (run
# one strategy at a time, LK_STRATEGY=random and pct), then the case under
# LK_STRATEGY=systematic (bound 2): schedules run, processor seconds, the
# bound of the failure and the size of the smallest failing schedule.
# Usage: tests/sched/systematic_fixtures.sh LAB [FIXTURE_DIR...]
# (default: the solution and every fixture of the lab).  With ONLY_FAILING=1
# a fixture runs only the explore cases its `expect` says it fails (the
# others must pass, which the fixture check proves anyway).  Prints one line
# per case and submission; takes a minute or more per submission.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$1; shift
OUT=$(mktemp -d "${TMPDIR:-/tmp}/lk-sys.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
[ $# -gt 0 ] || set -- solution "$ROOT"/tests/fixtures/"$LAB"/*/
all_cases=$(awk '/^case / && /tools=[a-z,]*explore/ {print $2 ":" $3}' "$ROOT/labs/$LAB/lab.conf")

# The "N runs, M failed" of one strategy's seeds, as "M/N".
seeds_failed() {
    grep -o '[0-9]* runs, [0-9]* failed' "$1" | awk '{r+=$1; f+=$3} END {printf "%d/%d", f, r}'
}

printf '%-34s %-34s %-8s %-8s %s\n' submission case random pct "systematic (bound 2)"
for fixture in "$@"; do
    name=$(basename "$fixture")
    cases=$all_cases
    if [ "$fixture" = solution ]; then
        sub=$ROOT/solutions/$LAB
    else
        sub=$OUT/sub-$name
        "$ROOT/tests/fixture.py" build "$LAB" "$fixture" "$sub" >/dev/null 2>&1 || {
            echo "$name: cannot build"; continue; }
        if [ -n "${ONLY_FAILING:-}" ]; then
            failing=$(awk '$1 == "fail" {print $2}' "$fixture/expect")
            cases=$(for c in $all_cases; do
                echo "$failing" | grep -qx "${c#*:}" && echo "$c"; done)
            [ -n "$cases" ] || continue
        fi
    fi
    work=$OUT/work-$name
    "$ROOT/grader/labgrade" --tools explore --workdir "$work" -q "$LAB" "$sub" >/dev/null 2>&1
    [ -d "$work/build/explore" ] || { printf '%-34s (does not build)\n' "$name"; continue; }
    for c in $cases; do
        suite=${c%%:*}; case_name=${c#*:}
        bin=$work/build/explore/$suite
        [ -x "$bin" ] || continue
        (cd "$work" && LK_STRATEGY=random "$bin" "$case_name" >"$OUT/random" 2>&1)
        (cd "$work" && LK_STRATEGY=pct "$bin" "$case_name" >"$OUT/pct" 2>&1)
        (cd "$work" && LK_STRATEGY=systematic "$bin" "$case_name" >"$OUT/sys" 2>&1)
        rc=$?
        sys=$(sed -n 's/^lk_explore [^:]*: systematic, at most 2 preemptions: //p' "$OUT/sys" | head -n 1)
        small=$(grep -o 'smallest failing schedule: [0-9]* preemptions*, [0-9]* steps' "$OUT/sys" |
            head -n 1 | sed 's/smallest failing schedule: //')
        printf '%-34s %-34s %-8s %-8s %s%s\n' "$name" "$case_name" "$(seeds_failed "$OUT/random")" \
            "$(seeds_failed "$OUT/pct")" "$([ $rc = 0 ] && echo pass || echo FAIL): $sys" \
            "${small:+; shown: $small}"
    done
done
