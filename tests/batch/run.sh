#!/bin/sh
# `labgrade batch`: twenty generated submissions of the malloc lab (the
# solution, the starter, broken fixtures, one that hangs, one that does not
# compile, a missing file, a refused archive; as folders, .tar.gz and .zip
# archives, nested or not) graded two at a time.  The gradebook must agree
# with grading each submission alone, flag exactly the late one, keep a
# report per student, leave no process behind, and a second run must grade
# only the submission that changed.
#
# To keep `make test` short this grades natively (--tools native) against a
# copy of the lab without its timing-based perf suite, and with a timeout of
# at least 5 s, so that a machine busy with other work does not turn a slow
# case into a timeout in one grade and not the other.  LABKIT_BATCH_TIMING=1
# also times the batch graded one submission at a time.
cd "$(dirname "$0")/../.." || exit 2
LAB=malloc
[ -x grader/labgrade ] || make -s -C grader >/dev/null || exit 2
[ -f "labs/$LAB/lab.conf" ] && [ -d "solutions/$LAB" ] || { echo "no $LAB lab here"; exit 2; }
T=$(mktemp -d /tmp/labkit-batch-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# A kit of the lab's code and tests, without the perf suite, and a copy of the
# grader, so that a rebuild of grader/labgrade meanwhile changes nothing here.
mkdir -p "$T/kit/labs" "$T/kit/grader/runner"
cp grader/labgrade "$T/kit/grader/"
cp grader/runner/runner.c grader/runner/labkit_check.h "$T/kit/grader/runner/"
cp -r "labs/$LAB" "$T/kit/labs/$LAB"
[ -d labs/common ] && cp -r labs/common "$T/kit/labs/common"
grep -v -E '^(suite|case) perf ' "labs/$LAB/lab.conf" |
    awk '$1 == "timeout" && $2 < 5 { $2 = 5 } { print }' >"$T/kit/labs/$LAB/lab.conf"
grade() {
    nice -n 10 "$T/kit/grader/labgrade" --kit "$T/kit" --tools native "$@"
}
batch() {
    nice -n 10 "$T/kit/grader/labgrade" batch --kit "$T/kit" --tools native "$@"
}

# The distinct submissions, in $T/src/<kind>/.
S="$T/src"
mkdir -p "$S"
cp -r "solutions/$LAB" "$S/solution"
cp -r "starter/$LAB" "$S/starter"
for f in calls_libc_malloc crashes leaks_heap never_coalesces writes_past_block; do
    [ -d "tests/fixtures/$LAB/$f" ] && { tests/fixture.py build "$LAB" "tests/fixtures/$LAB/$f" "$S/$f" || fail "fixture $f"; }
done
# Hangs in mm_calloc only, so it costs two timeouts, not one per case.
mkdir -p "$S/hangs"
awk '{ print } /^void \*mm_calloc\(/ { body = 1 } body && /^\{/ { print "    for (volatile int spin = 1; spin;) {}"; body = 0 }' \
    "solutions/$LAB/mm.c" >"$S/hangs/mm.c"
grep -q 'volatile int spin' "$S/hangs/mm.c" || fail "could not make the hanging submission"
mkdir -p "$S/syntax_error"
sed '0,/^void \*mm_malloc(/s//void *mm_malloc(int/' "solutions/$LAB/mm.c" >"$S/syntax_error/mm.c"
cmp -s "$S/syntax_error/mm.c" "solutions/$LAB/mm.c" && fail "could not make the broken submission"
find "$S" -type f -exec touch -d '2025-01-10 12:00' {} +

# Twenty students: "name kind" in $T/students, the submissions in $T/subs.
D="$T/subs"
mkdir -p "$D" "$T/pack"
student() {
    case $2 in
    missing | refused) ;;
    *) [ -d "$S/$2" ] || fail "no submission of kind $2 (is tests/fixtures/$LAB/$2 gone?)" ;;
    esac
    echo "$1 $2" >>"$T/students"
}
folder() {    # folder NAME KIND
    student "$1" "$2"
    cp -rp "$S/$2" "$D/$1"
}
archive() {   # archive NAME KIND tar.gz|zip INNER_FOLDER
    rm -rf "$T/pack/$1" && mkdir -p "$T/pack/$1/$4"
    student "$1" "$2"
    cp -p "$S/$2"/* "$T/pack/$1/$4/"
    if [ "$3" = zip ]; then
        (cd "$T/pack/$1" && zip -qr "$D/$1.zip" .)
    else
        tar -C "$T/pack/$1" -czf "$D/$1.$3" .
    fi
}
folder ada solution
archive babbage solution tar.gz babbage
archive curie solution zip starter/malloc
folder dijkstra solution
folder euler starter
archive fermat starter tgz .
folder gauss calls_libc_malloc
folder hopper crashes
archive ito syntax_error zip ito
folder jacobi leaks_heap
folder knuth never_coalesces
folder lovelace writes_past_block
folder meitner hangs
folder noether syntax_error
archive ohm crashes zip hopper
archive pascal leaks_heap tar.gz work
archive ramanujan never_coalesces tar.gz deep/er/still
archive shannon solution tar.gz .
mkdir -p "$D/turing" && echo "forgot mm.c" >"$D/turing/notes.txt" && student turing missing
touch -d '2025-01-10 12:00' "$D/turing/notes.txt"
python3 - "$D/ullman.tar.gz" "solutions/$LAB/mm.c" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    t.add(sys.argv[2], arcname='mm.c')
    t.add(sys.argv[2], arcname='../../outside.c')
PY
touch -d '2025-01-10 12:00' "$D/ullman.tar.gz"
student ullman refused
# Dijkstra changed a file after the deadline.
touch -d '2025-01-20 09:30' "$D/dijkstra/mm.c"
[ "$(wc -l <"$T/students")" = 20 ] || fail "expected 20 submissions"

# Grade the class, two at a time.
start=$(date +%s.%N)
batch "$LAB" "$D" --out "$T/grades" --jobs 2 --deadline '2025-01-15 23:59' >"$T/batch.log" 2>&1
rc=$?
seconds=$(echo "$(date +%s.%N) - $start" | bc)
cat "$T/batch.log"
[ $rc = 0 ] || fail "labgrade batch exited with $rc"
for proc in /proc/[0-9]*; do
    case "$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline")" in
    *"$T/grades/"*) fail "a process was left running: $(tr '\0' ' ' <"$proc/cmdline")" ;;
    esac
done

# Each distinct submission graded alone, in two lanes.
kinds=$(cut -d' ' -f2 "$T/students" | sort -u)
lane() { # the kinds at odd (1) or even (0) places
    i=0
    for kind in $kinds; do
        i=$((i + 1))
        [ $((i % 2)) = "$1" ] && [ -d "$S/$kind" ] || continue
        grade -j 1 -q --json "$T/single-$kind.json" "$LAB" "$S/$kind" >/dev/null 2>&1
    done
}
lane 0 &
lane 1 &
wait

python3 tests/batch/check_gradebook.py "$T/grades" "$T/students" "$T" || fail "the gradebook is wrong"
printf 'graded 20 submissions in %.1f s with --jobs 2\n' "$seconds"

# A second run grades only what changed.
echo "/* a late fix */" >>"$D/euler/mm.c"
batch "$LAB" "$D" --out "$T/grades" --jobs 2 >"$T/again.log" 2>&1 || fail "the second run failed"
changed=$(awk -F, 'NR > 1 && $6 == "graded" { print $1 }' "$T/grades/gradebook.csv")
unchanged=$(awk -F, 'NR > 1 && $6 == "unchanged"' "$T/grades/gradebook.csv" | wc -l)
[ "$changed" = '"euler"' ] && [ "$unchanged" = 19 ] || {
    cat "$T/again.log"
    fail "the second run graded $changed and kept $unchanged; expected euler alone and 19 kept"
}
echo "a second run graded only the changed submission"

# Archives that would write outside their folder are refused, every one.
mkdir -p "$T/evil"
python3 - "$T/evil" "solutions/$LAB/mm.c" <<'PY'
import io, sys, tarfile, zipfile
folder, source = sys.argv[1], open(sys.argv[2], 'rb').read()
def tar(name, member):
    with tarfile.open(f'{folder}/{name}.tar.gz', 'w:gz') as t:
        info = tarfile.TarInfo('mm.c')
        info.size = len(source)
        t.addfile(info, io.BytesIO(source))
        t.addfile(member, io.BytesIO(source) if member.isfile() else None)
absolute = tarfile.TarInfo('/tmp/labkit-batch-escape.c')
absolute.size = len(source)
tar('absolute', absolute)
link = tarfile.TarInfo('up')
link.type, link.linkname = tarfile.SYMTYPE, '/tmp'
tar('symlink', link)
hard = tarfile.TarInfo('passwd')
hard.type, hard.linkname = tarfile.LNKTYPE, '/etc/passwd'
tar('hardlink', hard)
device = tarfile.TarInfo('null')
device.type, device.devmajor, device.devminor = tarfile.CHRTYPE, 1, 3
tar('device', device)
with zipfile.ZipFile(f'{folder}/climbs.zip', 'w') as z:
    z.writestr('mm.c', source)
    z.writestr('../../labkit-batch-escape.c', source)
PY
batch "$LAB" "$T/evil" --out "$T/evil-grades" --case malloc_zero_returns_null >"$T/evil.log" 2>&1 ||
    { cat "$T/evil.log"; fail "the batch of unsafe archives failed"; }
refused=$(grep -c '"the archive was refused' "$T/evil-grades/gradebook.csv")
[ "$refused" = 5 ] || { cat "$T/evil.log"; fail "$refused of 5 unsafe archives were refused"; }
[ ! -e /tmp/labkit-batch-escape.c ] && [ ! -e "$T/labkit-batch-escape.c" ] || fail "an archive wrote outside its folder"
echo "unsafe archives (absolute, .., symbolic and hard links, a device) are refused"

# A submission that hangs natively under a case that also runs under memcheck:
# its memcheck run is skipped, and the gradebook's note counts verdicts of
# every kind, the skipped one included (an array one verdict too short once
# overflowed here, seen only by a sanitized grader).
mkdir -p "$T/hang-only"
cp -rp "$S/hangs" "$T/hang-only/meitner"
"$T/kit/grader/labgrade" batch --kit "$T/kit" --tools native,memcheck \
    --case calloc_returns_null_on_overflow malloc "$T/hang-only" --out "$T/hang-grades" \
    >"$T/hang.log" 2>&1 || { cat "$T/hang.log"; fail "the batch of a hanging submission failed"; }
grep -q '^"meitner",0,2,.*1 case timed out' "$T/hang-grades/gradebook.csv" ||
    { cat "$T/hang.log" "$T/hang-grades/gradebook.csv"; fail "the hanging submission's note is wrong"; }
echo "a hanging submission's skipped memcheck run is counted without harm"

# The same batch one at a time, for the figures in docs/instructor.md.
if [ -n "${LABKIT_BATCH_TIMING:-}" ]; then
    start=$(date +%s.%N)
    batch "$LAB" "$D" --out "$T/grades-1" --jobs 1 >/dev/null 2>&1 || fail "--jobs 1 failed"
    printf 'graded 20 submissions in %.1f s with --jobs 1\n' "$(echo "$(date +%s.%N) - $start" | bc)"
fi
