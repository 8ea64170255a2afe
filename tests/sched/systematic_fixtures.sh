#!/bin/sh
# Measures the systematic strategy on a lab's solution and broken fixtures:
# for each explore case, the verdict and time of the case as lab.conf runs it
# (its own strategies), then the same case under LK_STRATEGY=systematic
# (bound 2): schedules run, processor seconds, the bound of the failure and
# the size of the smallest failing schedule.
# Usage: tests/sched/systematic_fixtures.sh LAB [FIXTURE_DIR...]
# (default: the solution and every fixture of the lab).  Prints one line per
# case and submission; takes a minute or more per submission.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$1; shift
OUT=$(mktemp -d "${TMPDIR:-/tmp}/lk-sys.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
[ $# -gt 0 ] || set -- solution "$ROOT"/tests/fixtures/"$LAB"/*/
cases=$(awk '/^case / && /tools=[a-z,]*explore/ {print $2 ":" $3}' "$ROOT/labs/$LAB/lab.conf")
printf '%-34s %-34s %-26s %s\n' submission case "as configured" "systematic (bound 2)"
for fixture in "$@"; do
    name=$(basename "$fixture")
    if [ "$fixture" = solution ]; then
        sub=$ROOT/solutions/$LAB
    else
        sub=$OUT/sub-$name
        "$ROOT/tests/fixture.py" build "$LAB" "$fixture" "$sub" >/dev/null 2>&1 || {
            echo "$name: cannot build"; continue; }
    fi
    work=$OUT/work-$name
    "$ROOT/grader/labgrade" --tools explore --workdir "$work" -q "$LAB" "$sub" >/dev/null 2>&1
    [ -d "$work/build/explore" ] || { printf '%-34s (does not build)\n' "$name"; continue; }
    for c in $cases; do
        suite=${c%%:*}; case_name=${c#*:}
        bin=$work/build/explore/$suite
        [ -x "$bin" ] || continue
        t0=$(date +%s.%N)
        (cd "$work" && "$bin" "$case_name" >"$OUT/cfg" 2>&1)
        rc1=$?
        t1=$(date +%s.%N)
        cfg=$(grep -o '[0-9]* runs, [0-9]* failed' "$OUT/cfg" | awk '{r+=$1; f+=$3} END {printf "%d/%d failed", f, r}')
        (cd "$work" && LK_STRATEGY=systematic "$bin" "$case_name" >"$OUT/sys" 2>&1)
        rc2=$?
        sys=$(sed -n 's/^lk_explore [^:]*: systematic, at most 2 preemptions: //p' "$OUT/sys" | head -n 1)
        small=$(grep -o 'smallest failing schedule: [0-9]* preemptions*, [0-9]* steps' "$OUT/sys" |
            head -n 1 | sed 's/smallest failing schedule: //')
        printf '%-34s %-34s %-26s %s%s\n' "$name" "$case_name" \
            "$([ $rc1 = 0 ] && echo pass || echo FAIL) $cfg $(echo "$t1 - $t0" | bc | sed 's/^\./0./' | cut -c1-4)s" \
            "$([ $rc2 = 0 ] && echo pass || echo FAIL): $sys" "${small:+; shown: $small}"
    done
done
