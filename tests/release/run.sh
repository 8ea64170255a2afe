#!/bin/sh
# `make release` and `make autograder LAB=malloc`.
#
# The student kit: the tarball unpacks to the same tree `make release` leaves
# in dist/, holds no solution, hidden test or fixture (by path and by
# content: tests/release/check_secrets.py, which must also catch leaks planted
# in a copy), builds on its own, grades the malloc starter without a word of
# hidden cases but the note that they are not in the kit, and its GitHub
# workflow's grading step runs and writes JUnit XML.
#
# The autograder: the zip has setup.sh and run_autograder at its root, the
# malloc lab with its hidden tests and the grader, no solution; setup.sh
# builds it, and run_autograder against a fake /autograder grades the
# solution (full marks) and the starter (zero) into a valid results.json with
# hidden cases after_published, as an unprivileged user.
#
# The release itself ships only the kit's layout (a batch's submissions/ and
# grades/ lying in the kit stay out, and are named) and refuses, naming the
# file and writing nothing, a kit whose starter is a solution or a fixture.
#
# The Autolab autograder: autograde.tar and autograde-Makefile; in a fake
# Autolab job folder `make` grades a handin (one file, or a tar of several)
# and ends with the JSON scores line, one problem per suite.
#
# To stay quick the grading here is native only (LABKIT_GRADE_ARGS).
cd "$(dirname "$0")/../.." || exit 2
KIT=$(pwd)
LAB=malloc
T=$(mktemp -d /tmp/labkit-release-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"   # the autograder's user must reach its files
fail() {
    echo "FAIL: $*"
    exit 1
}
ok() {
    echo "ok   $*"
}

# --- the student kit
make -s release DIST="$T/dist" >"$T/release.log" 2>&1 || { cat "$T/release.log"; fail "make release"; }
set -- "$T"/dist/labkit-student-*.tar.gz
[ $# = 1 ] && [ -s "$1" ] || fail "make release wrote $* instead of one labkit-student-VERSION.tar.gz"
tarball=$1
name=$(basename "$tarball" .tar.gz)
mkdir "$T/student"
tar -C "$T/student" -xzf "$tarball" || fail "cannot unpack $tarball"
tree="$T/student/$name"
[ -d "$tree" ] || fail "$tarball does not unpack to $name/"
diff -r "$T/dist/$name" "$tree" >/dev/null || fail "dist/$name differs from the tarball"
[ "$(cat "$tree/VERSION")" = "${name#labkit-student-}" ] || fail "VERSION is not the tarball's version"
[ -f "$tree/.github/workflows/labkit.yml" ] || fail "no GitHub workflow in the student kit"
ok "make release wrote $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) entries)"

python3 tests/release/check_secrets.py "$KIT" "$tree" || fail "the student kit leaks"
ok "no solution, hidden test or fixture in the student kit"
if [ -f "$tree/tests/docs/check_docs.c" ]; then
    cc -std=gnu11 -O2 -o "$T/check_docs" "$tree/tests/docs/check_docs.c" || fail "cannot build check_docs"
    (cd "$tree" && "$T/check_docs" docs/instructor.md) || fail "the student kit's guide has broken links"
    ok "the student kit's copy of the guide, instructor-only parts removed, has no broken link"
fi

# The check can fail: a re-indented solution in docs, a piece of a hidden
# test in a handout, a fixture as the starter, a hidden folder, a line of an
# instructor-only block.
cp -r "$tree" "$T/leaky"
sed 's/^    /  /' "solutions/$LAB/mm.c" >"$T/leaky/docs/allocator.c"
sed -n '/^START_TEST/,/^END_TEST/p' "labs/$LAB/hidden/"*.c | sed -n '1,40p' >>"$T/leaky/labs/$LAB/README.md"
first_fixture=$(ls -d "tests/fixtures/$LAB"/*/ | head -n 1)
tests/fixture.py build "$LAB" "$first_fixture" "$T/fixture" || fail "fixture $first_fixture"
cp "$T/fixture/mm.c" "$T/leaky/starter/$LAB/mm.c"
mkdir -p "$T/leaky/labs/$LAB/hidden" && echo "notes" >"$T/leaky/labs/$LAB/hidden/notes.txt"
awk '/^<!-- instructor-only -->$/ { inside = 1; next } /^<!-- end instructor-only -->$/ { inside = 0 }
     inside && length($0) >= 40 { print; exit }' docs/instructor.md >>"$T/leaky/docs/index.md"
python3 tests/release/check_secrets.py "$KIT" "$T/leaky" >"$T/leaks.log" && fail "planted leaks were not found"
for planted in "docs/allocator.c: .*solutions/$LAB/mm.c" "labs/$LAB/README.md: .*hidden" \
    "starter/$LAB/mm.c: the same code as tests/fixtures/$LAB" "labs/$LAB/hidden/notes.txt: an instructor-only path" \
    "docs/index.md: an instructor-only line"; do
    grep -q "^$planted" "$T/leaks.log" || { cat "$T/leaks.log"; fail "the leak '$planted' was not reported"; }
done
ok "leaks planted in a copy are all found"

make -s -C "$tree" grader >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "the student kit does not build"; }
(cd "$tree" && nice -n 10 grader/labgrade --tools native --json "$T/student.json" "$LAB") >"$T/grade.log" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$T/grade.log"; fail "grading the starter in the student kit exited with $rc"; }
grep -q 'hidden cases are not in this kit' "$T/grade.log" || { cat "$T/grade.log"; fail "no word that hidden cases are not in the kit"; }
grep -q '(hidden)' "$T/grade.log" && fail "the student kit's grade shows hidden cases"
python3 - "$T/student.json" "labs/$LAB/lab.conf" <<'PY' || fail "the student kit's results.json lists hidden cases"
import sys, json
hidden = {l.split()[2] for l in open(sys.argv[2]) if l.startswith('case hidden ')}
names = {t['name'] for t in json.load(open(sys.argv[1]))['tests']}
sys.exit(1 if not hidden or names & hidden else 0)
PY
ok "the student kit builds and grades the starter; hidden cases are named absent, never failing"

python3 - "$tree/.github/workflows/labkit.yml" >"$T/workflow-grade.sh" <<'PY' || fail "no Grade step in the workflow"
import sys, textwrap
text = open(sys.argv[1]).read()
try:
    import yaml
    steps = yaml.safe_load(text)['jobs']['grade']['steps']
    print(next(s['run'] for s in steps if s.get('name') == 'Grade'))
except ImportError:  # no PyYAML: take the step's block by its indentation
    lines = text.split('\n')
    start = lines.index('      - name: Grade') + 1
    assert lines[start].strip() == 'run: |'
    body = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= 8:
            break
        body.append(line)
    print(textwrap.dedent('\n'.join(body)))
PY
(cd "$tree" && LABS=$LAB LABKIT_GRADE_ARGS='--tools native' GITHUB_STEP_SUMMARY="$T/summary.md" \
    nice -n 10 bash -e "$T/workflow-grade.sh") >"$T/workflow.log" 2>&1 || { cat "$T/workflow.log"; fail "the workflow's Grade step failed"; }
python3 -c "import sys, xml.etree.ElementTree as E; sys.exit(0 if E.parse(sys.argv[1]).getroot().findall('.//testcase') else 1)" \
    "$tree/results/$LAB.xml" || fail "the workflow wrote no JUnit test cases"
grep -q "^- $LAB: score: 0/" "$T/summary.md" || { cat "$T/summary.md"; fail "the workflow's summary has no score"; }
ok "the GitHub workflow's Grade step writes JUnit XML and a score summary"

# --- the release ships the kit's layout only, and checks itself
# A copy of the kit (not a git repository: every file in it counts) with a
# batch's folders in it, as after the instructor guide's batch example.
mkdir "$T/kit"
git ls-files --cached --others --exclude-standard | grep -v -E '^dist/|\.o$' |
    tar -cf - -T - | tar -C "$T/kit" -xf -
mkdir -p "$T/kit/submissions/ada" "$T/kit/grades/ada" "$T/kit/labs/scratch"
cp "solutions/$LAB/mm.c" "$T/kit/submissions/ada/mm.c"
printf 'student,score\nada,100\n' >"$T/kit/grades/gradebook.csv"
echo "notes" >"$T/kit/labs/scratch/notes.txt"
echo "notes" >"$T/kit/notes.txt"
"$T/kit/grader/release.sh" student "$T/kit-dist" >"$T/stray.log" 2>&1 || { cat "$T/stray.log"; fail "release with stray folders"; }
tar -tzf "$T"/kit-dist/labkit-student-*.tar.gz >"$T/stray.list" || fail "no tarball from the copy"
grep -E '^[^/]+/(submissions|grades|labs/scratch)/|^[^/]+/notes\.txt$' "$T/stray.list" && fail "the release shipped stray files"
grep -q "left out, not part of the kit's layout: grades/ labs/scratch/ notes.txt submissions/" "$T/stray.log" ||
    { cat "$T/stray.log"; fail "the release does not say what it left out"; }
ok "stray folders (submissions/, grades/, a lab folder without lab.conf) are left out and named"

refused() { # WHAT FILE: the release must fail, name FILE, and write nothing
    rm -rf "$T/refused-dist"
    "$T/kit/grader/release.sh" student "$T/refused-dist" >"$T/refused.log" 2>&1 &&
        { cat "$T/refused.log"; fail "the release wrote a kit with $1"; }
    grep -q "^  $2: " "$T/refused.log" || { cat "$T/refused.log"; fail "the refusal does not name $2"; }
    [ -z "$(ls -A "$T/refused-dist" 2>/dev/null)" ] || fail "a refused release left $(ls -A "$T/refused-dist")"
}
cp "$T/kit/starter/sync/sync.c" "$T/sync-starter.c"
cp "solutions/sync/sync.c" "$T/kit/starter/sync/sync.c"
refused "the solution as the starter" starter/sync/sync.c
cp "$T/sync-starter.c" "$T/kit/starter/sync/sync.c"
cp "$T/fixture/mm.c" "$T/kit/starter/$LAB/mm.c"
refused "a fixture as the starter" "starter/$LAB/mm.c"
ok "the release refuses a solution or a fixture in the starter, names the file, writes nothing"

# --- a hidden visibility Gradescope does not know is refused, with the valid ones
grader/labgrade --hidden-visibility bogus --tools native "$LAB" "starter/$LAB" >"$T/vis.log" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'visible, hidden, after_due_date and after_published' "$T/vis.log" ||
    { cat "$T/vis.log"; fail "labgrade --hidden-visibility bogus exited $rc without the valid values"; }
grader/labgrade batch --hidden-visibility bogus "$LAB" "$T" >"$T/vis.log" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'after_published' "$T/vis.log" ||
    { cat "$T/vis.log"; fail "labgrade batch --hidden-visibility bogus exited $rc without the valid values"; }
make -s autograder LAB=$LAB HIDDEN_VISIBILITY=bogus DIST="$T/vis-dist" >"$T/vis.log" 2>&1 &&
    fail "make autograder HIDDEN_VISIBILITY=bogus succeeded"
grep -q 'visible, hidden, after_due_date, after_published' "$T/vis.log" || { cat "$T/vis.log"; fail "make autograder does not list the valid visibilities"; }
[ ! -e "$T/vis-dist/$LAB-autograder.zip" ] || fail "make autograder wrote a zip with a bogus visibility"
ok "--hidden-visibility bogus and HIDDEN_VISIBILITY=bogus are refused with the valid values"

# --- the Gradescope autograder
make -s autograder LAB=$LAB DIST="$T/dist" >"$T/autograder.log" 2>&1 || { cat "$T/autograder.log"; fail "make autograder"; }
zip="$T/dist/$LAB-autograder.zip"
[ -s "$zip" ] || fail "no $LAB-autograder.zip"
mkdir -p "$T/ag/source" "$T/ag/results"
unzip -q "$zip" -d "$T/ag/source" || fail "cannot unzip $zip"
for f in setup.sh run_autograder autograder.conf labkit/grader/Makefile labkit/labs/$LAB/lab.conf; do
    [ -e "$T/ag/source/$f" ] || fail "$f is not in the zip"
done
ls "$T/ag/source/labkit/labs/$LAB/hidden/"*.c >/dev/null 2>&1 || fail "the zip has no hidden tests"
[ "$(ls "$T/ag/source/labkit/labs")" = "$LAB" ] || fail "the zip has other labs: $(ls "$T/ag/source/labkit/labs")"
python3 tests/release/check_secrets.py --autograder "$KIT" "$T/ag/source/labkit" || fail "the autograder leaks"
ok "the zip holds setup.sh, run_autograder, the $LAB lab with hidden tests, the grader, no solution"

(cd "$T/ag/source" && LABKIT_USER=nobody sh setup.sh) >"$T/setup.log" 2>&1 || { cat "$T/setup.log"; fail "setup.sh failed"; }
cp "$T/ag/source/run_autograder" "$T/ag/run_autograder"
autograde() { # SUBMISSION_DIR [SUBFOLDER]: grade it as Gradescope would
    rm -rf "$T/ag/submission" "$T/ag/results" && mkdir -p "$T/ag/submission/${2:-}" "$T/ag/results"
    cp -r "$1"/* "$T/ag/submission/${2:-}"
    LABKIT_AUTOGRADER_ROOT="$T/ag" LABKIT_USER=nobody LABKIT_GRADE_ARGS='--tools native' \
        nice -n 10 "$T/ag/run_autograder" >"$T/ag.log" 2>&1 || { cat "$T/ag.log"; fail "run_autograder failed"; }
    tests/validate_results.py "$T/ag/results/results.json" || { cat "$T/ag.log"; fail "invalid results.json"; }
}
autograde "solutions/$LAB" repository/starter/$LAB
python3 - "$T/ag/results/results.json" <<'PY' || { cat "$T/ag.log"; fail "the solution's grade through run_autograder"; }
import sys, json
r = json.load(open(sys.argv[1]))
total = sum(t['max_score'] for t in r['tests'])
hidden = [t for t in r['tests'] if t['visibility'] != 'visible']
sys.exit(0 if r['score'] == total and hidden and
         all(t['visibility'] == 'after_published' for t in hidden) else 1)
PY
grep -q 'runuser' "$T/ag.log" && fail "runuser complained: $(cat "$T/ag.log")"
ok "run_autograder gives the solution full marks, hidden cases after_published"
autograde "starter/$LAB"
python3 -c "import sys, json; sys.exit(0 if json.load(open(sys.argv[1]))['score'] == 0 else 1)" \
    "$T/ag/results/results.json" || { cat "$T/ag.log"; fail "the starter scores above zero through run_autograder"; }
ok "run_autograder gives the starter zero"

# --- the Autolab autograder, in a fake Autolab job folder: autograde.tar,
# autograde-Makefile as Makefile, the handin; `make`; the last line is the
# JSON scores, one problem per suite of lab.conf.
make -s autograder LAB=$LAB TARGET=autolab DIST="$T/dist" >"$T/autolab.log" 2>&1 || { cat "$T/autolab.log"; fail "make autograder TARGET=autolab"; }
al="$T/dist/$LAB-autolab"
[ -s "$al/autograde.tar" ] && [ -s "$al/autograde-Makefile" ] || fail "no autograde.tar and autograde-Makefile in $al"
grep -q "^Autolab problems (name and max score): public (52), perf (20), hidden (28)$" "$T/autolab.log" ||
    { cat "$T/autolab.log"; fail "make autograder TARGET=autolab does not name the problems to define"; }
mkdir "$T/al-tar" && tar -C "$T/al-tar" -xf "$al/autograde.tar"
python3 tests/release/check_secrets.py --autograder "$KIT" "$T/al-tar/labkit-autolab/labkit" >/dev/null || fail "the Autolab tarball leaks"
ls "$T/al-tar/labkit-autolab/labkit/labs/$LAB/hidden/"*.c >/dev/null 2>&1 || fail "the Autolab tarball has no hidden tests"
autolab_job() { # DIST_DIR LAB HANDIN...: grade as Autolab would (a top-level make); the last line to $T/al.scores
    job="$T/al-job" && rm -rf "$job" && mkdir "$job"
    cp "$1/autograde.tar" "$job/" && cp "$1/autograde-Makefile" "$job/Makefile"
    src=$2 && shift 2 && cp "$@" "$job/"
    (cd "$job" && LABKIT_GRADE_ARGS='--tools native' env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS nice -n 10 make) >"$T/al.log" 2>&1 || { cat "$T/al.log"; fail "Autolab's make failed"; }
    tail -n 1 "$T/al.log" >"$T/al.scores"
    python3 - "$T/al.scores" "labs/$src/lab.conf" "$T/al.log" <<'PY' || { cat "$T/al.log"; fail "the last line is not Autolab's scores"; }
import sys, json
scores = json.loads(open(sys.argv[1]).read())['scores']
suites = [l.split()[1] for l in open(sys.argv[2]) if l.startswith('suite ')]
sys.exit(0 if list(scores) == suites and all(isinstance(v, (int, float)) for v in scores.values()) else 1)
PY
}
autolab_job "$al" $LAB "solutions/$LAB/mm.c"
# (graded with native only, for speed: the perf cases, which run under the
# lab's own `perf` tool, are left out and their problem scores 0)
grep -qx '{"scores": {"public": 52, "perf": 0, "hidden": 28}}' "$T/al.scores" || { cat "$T/al.log"; fail "the solution's Autolab scores: $(cat "$T/al.scores")"; }
autolab_job "$al" $LAB "starter/$LAB/mm.c"
grep -qx '{"scores": {"public": 0, "perf": 0, "hidden": 0}}' "$T/al.scores" || { cat "$T/al.log"; fail "the starter's Autolab scores: $(cat "$T/al.scores")"; }
grep -q '(hidden)' "$T/al.log" || fail "the Autolab report has no hidden rows"
hidden_case=$(awk '$1 == "case" && $2 == "hidden" { print $3; exit }' "labs/$LAB/lab.conf")
grep -q "^  $hidden_case (" "$T/al.log" && fail "the Autolab feedback shows the hidden case $hidden_case's failure"
ok "Autolab: make in a job folder grades mm.c; the last line is the scores (solution full, starter zero); no hidden failure details"

# A lab of several files handed in as one archive, in a folder.
make -s autograder LAB=sync TARGET=autolab DIST="$T/dist" >"$T/autolab.log" 2>&1 || { cat "$T/autolab.log"; fail "make autograder LAB=sync TARGET=autolab"; }
mkdir -p "$T/handin/sync" && cp solutions/sync/*.c "$T/handin/sync/" && tar -C "$T/handin" -cf "$T/handin.tar" sync
autolab_job "$T/dist/sync-autolab" sync "$T/handin.tar"
python3 -c "import sys, json; s = json.load(open(sys.argv[1]))['scores']; sys.exit(0 if sum(s.values()) > 0 else 1)" "$T/al.scores" ||
    { cat "$T/al.log"; fail "the sync solution handed in as a tar scored nothing on Autolab"; }
ok "Autolab: a tar handin of several files is unpacked and graded"
