#!/bin/sh
# Grades the concurrency labs' solutions and correct-but-different fixtures
# with a CPU hog on every core, RUNS times each, and prints a table of scores.
#
# usage: tests/load/run.sh [RUNS] [LAB...]     (default: 10 runs; sync race deadlock)
#        LOAD_ALL=1 tests/load/run.sh ...      every fixture, each against its `expect`
#        LOAD_HOGS=N                            hogs to start (default: one per core)
#        LOAD_ONLY="solution NAME..."           only these submissions (fixture names)
#
# A correct submission must score full marks on every run however busy the
# machine is: a verdict that moves with load is a bug in the test.  The hogs
# are plain busy loops at the same priority as the grade; other work on the
# machine adds to them.  Not part of `make test` (it takes tens of minutes).
# Exit status: 0 when every run scored what it should, 1 otherwise.
cd "$(dirname "$0")/../.." || exit 2
KIT=$(pwd)
RUNS=${1:-10}
[ $# -gt 0 ] && shift
LABS=${*:-sync race deadlock}
case $RUNS in
'' | *[!0-9]*) echo "usage: tests/load/run.sh [RUNS] [LAB...]" >&2; exit 2 ;;
esac

make -s grader >/dev/null || exit 2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/labkit-load.XXXXXX") || exit 2
LOGS="$WORK/logs"
mkdir -p "$LOGS"

hogs=""
stop_hogs() {
    for pid in $hogs; do
        kill "$pid" 2>/dev/null
    done
    hogs=""
}
trap 'stop_hogs; exit 2' INT TERM HUP
trap 'stop_hogs' EXIT

# The submissions of a lab, one per line: NAME DIR EXPECTED ("full" for
# full marks).  Fixtures are built from their patches into $WORK.
submissions() {
    lab=$1
    echo "solution $KIT/solutions/$lab full"
    for fixture in tests/fixtures/"$lab"/*/; do
        [ -f "$fixture/expect" ] || continue
        name=$(basename "$fixture")
        expected=$(awk '$1 == "score" { print $2 }' "$fixture/expect")
        if [ "$expected" != 100 ] && [ -z "${LOAD_ALL:-}" ]; then
            continue
        fi
        dest="$WORK/submissions/$lab/$name"
        tests/fixture.py build "$lab" "$fixture" "$dest" >/dev/null || exit 2
        [ "$expected" = 100 ] && expected=full
        echo "$name $dest $expected"
    done
}

# score_of RESULTS_JSON: "SCORE/MAX"
score_of() {
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("%g/%g" % (r["score"], sum(t["max_score"] for t in r["tests"])))' "$1" 2>/dev/null
}

cores=$(nproc)
count=${LOAD_HOGS:-$cores}
i=0
while [ "$i" -lt "$count" ]; do
    nice -n0 sh -c 'while :; do :; done' &
    hogs="$hogs $!"
    i=$((i + 1))
done
echo "tests/load: $count CPU hog(s) on $cores core(s) (pids$hogs); $(uptime | sed 's/.*load/load/')"

status=0
table="$WORK/table"
for lab in $LABS; do
    if [ ! -f "labs/$lab/lab.conf" ]; then
        echo "tests/load: no lab named $lab" >&2
        status=1
        continue
    fi
    submissions "$lab" >"$WORK/list" || exit 2
    while read -r name dir expected; do
        if [ -n "${LOAD_ONLY:-}" ] && ! echo " $LOAD_ONLY " | grep -q " $name "; then
            continue
        fi
        row="$lab/$name"
        good=0
        run=1
        while [ "$run" -le "$RUNS" ]; do
            json="$WORK/results.json"
            rm -f "$json"
            log="$LOGS/$lab-$name-$run.txt"
            NO_COLOR=1 grader/labgrade --json "$json" "$lab" "$dir" >"$log" 2>&1 </dev/null
            got=$(score_of "$json")
            got=${got:-error}
            score=${got%/*}
            if [ "$expected" = full ]; then
                [ "$got" != error ] && [ "$score" = "${got#*/}" ] && ok=1 || ok=0
            else
                [ "$score" = "$expected" ] && ok=1 || ok=0
            fi
            if [ "$ok" = 1 ]; then
                good=$((good + 1))
                rm -f "$log"
            else
                got="$got!"
                status=1
            fi
            row="$row $got"
            printf '%s run %d: %s (%s)\n' "$lab/$name" "$run" "$got" \
                "$(uptime | sed 's/.*load average: //')" >&2
            run=$((run + 1))
        done
        echo "$row  $good/$RUNS" >>"$table"
    done <"$WORK/list"
done
stop_hogs

echo
echo "Scores under load, $RUNS runs each (! marks a run below what it should score):"
awk '{ printf "%-44s", $1; for (i = 2; i < NF; i++) printf " %7s", $i; printf "   %s as expected\n", $NF }' \
    "$table"
if [ "$status" != 0 ]; then
    echo "tests/load: some runs scored below what they should; their grader output is in $LOGS"
else
    rm -rf "$WORK"
fi
exit $status
