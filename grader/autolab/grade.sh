#!/bin/sh
# Autolab runs this (from autograde-Makefile) in a job folder holding the
# student's handin and the unpacked autograde.tar: build the grader, grade
# the handin with the lab named in labkit-autolab/autolab.conf, print the
# report and, as the last line, the JSON scores: one problem per suite of
# the lab's lab.conf, {"scores": {"public": 52, "hidden": 20, ...}}.
#
# The handin is the lab's submitted files, one file (Autolab's handin name
# set to it, e.g. mm.c) or an archive (.tar, .tar.gz, .tgz, .zip) holding
# them, at its top or in a folder.  LABKIT_GRADE_ARGS adds labgrade options.
HERE=$(cd "$(dirname "$0")" && pwd)
JOB=$(pwd)
KIT=$HERE/labkit
# shellcheck source=/dev/null
. "$HERE/autolab.conf"
CONF=$KIT/labs/$LAB/lab.conf

# The suites, and the cases of each, from lab.conf.
suites=$(sed -n 's/#.*//; s/^[[:space:]]*suite[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' "$CONF")
case_suites() {
    sed -n 's/#.*//; s/^[[:space:]]*case[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\2 \1/p' "$CONF"
}

# The scores line: every suite's points, 0 for those the grade lacks.
# RESULTS is labgrade's results.json (one test per line) or empty.
scores_line() {
    {
        case_suites | sed 's/^/case /'
        [ -s "${1:-}" ] && sed -n 's/.*{"name": "\([^"]*\)", "number": "[^"]*", "score": \([0-9.]*\),.*/score \1 \2/p' "$1"
    } | awk -v suites="$suites" '
        $1 == "case" { suite[$2] = $3; next }
        $1 == "score" && ($2 in suite) { points[suite[$2]] += $3 }
        END {
            n = split(suites, s, " ")
            line = "{\"scores\": {"
            for (i = 1; i <= n; i++)
                line = line sprintf("%s\"%s\": %g", (i > 1 ? ", " : ""), s[i], points[s[i]] + 0)
            print line "}}"
        }'
}

give_up() {
    echo "$*"
    echo "The autograder could not grade this handin: ask your instructor."
    scores_line ""
    exit 0
}

# The handin: an archive is unpacked; else the lab's files lying in the job.
submission=$JOB/labkit-handin
rm -rf "$submission" && mkdir -p "$submission"
for f in "$JOB"/*; do
    case $f in
    *.tar | *.tar.gz | *.tgz) tar -C "$submission" -xf "$f" 2>/dev/null || give_up "cannot unpack $(basename "$f")" ;;
    *.zip) unzip -q -o "$f" -d "$submission" 2>/dev/null || give_up "cannot unpack $(basename "$f")" ;;
    esac
done
submit=$(sed -n 's/#.*//; s/^[[:space:]]*submit[[:space:]]\{1,\}//p' "$CONF")
for name in $submit; do
    [ -f "$JOB/$name" ] && cp "$JOB/$name" "$submission/"
done
first=$(echo "$submit" | awk '{ print $1; exit }')
found=$(find "$submission" -name "$first" -type f -printf '%d\t%h\n' 2>/dev/null | sort -n | head -n 1 | cut -f 2)
[ -n "$found" ] || give_up "The handin has no $first (the lab's files: $submit)."

make -s -C "$KIT/grader" >"$JOB/labkit-build.log" 2>&1 || { cat "$JOB/labkit-build.log"; give_up "The grader did not build."; }
# shellcheck disable=SC2086
NO_COLOR=1 "$KIT/grader/labgrade" --kit "$KIT" --json "$JOB/labkit-results.json" ${LABKIT_GRADE_ARGS:-} \
    "$LAB" "$found" >"$JOB/labkit-report.txt" 2>&1
status=$?
# Students read this output: the hidden cases keep their table row (name and
# points) but not their failure details.
hidden_cases=$(case_suites | awk -v h="$(sed -n 's/#.*//; s/^[[:space:]]*suite[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]].*[[:space:]]hidden[[:space:]]*$/\1/p' "$CONF")" \
    'BEGIN { n = split(h, s, " "); for (i = 1; i <= n; i++) hid[s[i]] = 1 } ($2 in hid) { print $1 }')
awk -v hidden="$hidden_cases" '
    BEGIN { n = split(hidden, h, " "); for (i = 1; i <= n; i++) hid[h[i]] = 1 }
    /^  [^ ]/ { name = $1; skip = (name in hid) && $2 ~ /^\(/ }
    /^[^ ]/ || /^$/ { skip = 0 }
    !skip' "$JOB/labkit-report.txt"
if [ $status -gt 1 ] || [ ! -s "$JOB/labkit-results.json" ]; then
    give_up "labgrade exited with status $status."
fi
scores_line "$JOB/labkit-results.json"
