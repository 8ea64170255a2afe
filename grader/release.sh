#!/bin/sh
# Builds what an instructor hands out, from the instructor kit.
#
#   grader/release.sh student [DIST]
#       the student kit: DIST/labkit-student-VERSION/, a tree to push as a
#       GitHub Classroom template, and DIST/labkit-student-VERSION.tar.gz
#   grader/release.sh autograder LAB [DIST]
#       Gradescope's autograder of one lab: DIST/LAB-autograder.zip
#   grader/release.sh autolab LAB [DIST]
#       Autolab's autograder of one lab: DIST/LAB-autolab/autograde.tar and
#       DIST/LAB-autolab/autograde-Makefile
#
# DIST defaults to dist/ in the kit.  VERSION is the first line of the file
# VERSION at the kit's root if there is one, else `git describe --always
# --dirty`, else "dev".  HIDDEN_VISIBILITY (default after_published) is the
# Gradescope visibility of the hidden cases.  docs/instructor.md explains it.
set -eu
export LC_ALL=C
KIT=$(cd "$(dirname "$0")/.." && pwd)
HIDDEN_VISIBILITY=${HIDDEN_VISIBILITY:-after_published}
# Gradescope's visibilities; results.json with another value fails its schema.
VISIBILITIES='visible hidden after_due_date after_published'

die() {
    echo "release: $*" >&2
    exit 1
}

version() {
    if [ -s "$KIT/VERSION" ]; then
        head -n 1 "$KIT/VERSION"
    elif git -C "$KIT" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$KIT" describe --always --dirty
    else
        echo dev
    fi
}

# What belongs to the kit, by its layout: the top-level files and folders
# below (solutions/ only to be left out), and in labs/ and starter/ only the folders of labs that have a
# lab.conf (and labs/common).  Anything else lying in the kit's folder (a
# batch's submissions/ and grades/, notes, a scratch copy) is never shipped.
LAYOUT_TOP='Makefile README.md VERSION .gitignore .ci docs grader labs starter solutions tests'

in_layout() { # reads paths relative to the kit, prints those of the layout
    while IFS= read -r f; do
        top=${f%%/*}
        case " $LAYOUT_TOP " in *" $top "*) ;; *) continue ;; esac
        case $f in
        labs/common/*) ;;
        labs/*/* | starter/*/*)
            lab=${f#*/}
            lab=${lab%%/*}
            [ -f "$KIT/labs/$lab/lab.conf" ] || continue
            ;;
        labs/* | starter/*) continue ;;
        esac
        echo "$f"
    done
}

# Every file of the kit's layout, relative to it: what git tracks or would
# track (the working tree, so uncommitted work is released too), else every
# file.  Build outputs and compiled programs never go out.
all_files() {
    if git -C "$KIT" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$KIT" ls-files --cached --others --exclude-standard
    else
        (cd "$KIT" && find . \( -type f -o -type l \) | sed 's|^\./||')
    fi | grep -v -E '(^|/)\.git/|^dist/|\.o$|\.dSYM/|^grader/labgrade$|^grader/tests/test_units$|^labs/[^/]+/build/|^docs/_site/|(^|/)\.labgrade/' |
        sort -u
}

kit_files() {
    all_files | in_layout | while IFS= read -r f; do
        if [ -L "$KIT/$f" ]; then
            echo "$f"
        elif [ -f "$KIT/$f" ] && [ "$(head -c 4 "$KIT/$f" | tr -d '\177')" != ELF ]; then
            echo "$f"
        fi
    done
}

# The entries lying in the kit that are not part of its layout (top-level
# ones, and folders of labs/ or starter/ without a lab), to say what was left out.
strays() {
    all_files >"$1.all"
    in_layout <"$1.all" | comm -23 "$1.all" - |
        awk -F/ '$1 == "labs" || $1 == "starter" { print $1 "/" $2 "/"; next }
                 NF > 1 { print $1 "/"; next } { print }' | sort -u | paste -sd ' ' -
    rm -f "$1.all"
}

# The lab.conf `suite NAME PATH hidden` files, wherever a lab keeps them.
hidden_suites() {
    for conf in "$KIT"/labs/*/lab.conf; do
        lab=$(basename "$(dirname "$conf")")
        sed -n 's/#.*//; s/^[[:space:]]*suite[[:space:]]\{1,\}[^[:space:]]\{1,\}[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}hidden[[:space:]]*$/\1/p' "$conf" |
            while IFS= read -r path; do
                (cd "$KIT/labs/$lab" && realpath -m --relative-to="$KIT" "$path")
            done
    done
}

# What only instructors may have: solutions, hidden tests, fixtures (broken
# near-solutions), and the instructor's own tools and their tests.
INSTRUCTOR_ONLY='^solutions/|^labs/[^/]+/hidden/|^labs/[^/]+/fixtures/|^tests/fixtures/|^tests/release/|^tests/batch/|^grader/gradescope/|^grader/autolab/|^grader/release\.sh$'

# Drop the blocks from a line <!-- instructor-only --> to a line
# <!-- end instructor-only --> (the markers alone on their lines).
strip_instructor_only() {
    awk '/^[[:space:]]*<!-- instructor-only -->[[:space:]]*$/ { skip = 1; next }
         /^[[:space:]]*<!-- end instructor-only -->[[:space:]]*$/ { skip = 0; next }
         !skip' "$1" >"$1.student"
    mv "$1.student" "$1"
}

copy_files() { # LIST DEST
    mkdir -p "$2"
    tar -C "$KIT" -cf - --no-recursion -T "$1" | tar -C "$2" -xf -
}

student() {
    dist=$1
    name="labkit-student-$(version)"
    command -v python3 >/dev/null || die "python3 is not installed (make deps): the release checks itself with it"
    work=$(mktemp -d "$dist/.release.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    list=$work/files
    stage=$work/$name
    hidden=$(hidden_suites | sed 's/[.[\*^$]/\\&/g; s/.*/^&$/' | paste -sd '|' -)
    kit_files | grep -v -E "$INSTRUCTOR_ONLY${hidden:+|$hidden}" >"$list"
    copy_files "$list" "$stage"
    grep '\.md$' "$list" | while IFS= read -r f; do
        if grep -q '^[[:space:]]*<!-- instructor-only -->[[:space:]]*$' "$stage/$f"; then
            strip_instructor_only "$stage/$f"
        fi
    done
    # GitHub runs this workflow on every push to a repository made from the tree.
    if [ -f "$KIT/grader/classroom/labkit.yml" ]; then
        mkdir -p "$stage/.github/workflows"
        cp "$KIT/grader/classroom/labkit.yml" "$stage/.github/workflows/labkit.yml"
    fi
    version >"$stage/VERSION"
    # The release checks itself before anything is written to DIST: a
    # solution or fixture copied over a starter, a hidden test pasted into a
    # handout, are refused with the file named.
    if ! python3 "$KIT/tests/release/check_secrets.py" "$KIT" "$stage" >"$work/secrets.log" 2>&1; then
        grep -v ' released files checked against ' "$work/secrets.log" | sed 's/^/  /' >&2
        die "refused: the student kit would leak the files above; nothing was written to $dist"
    fi
    rm -rf "${dist:?}/$name" "$dist/$name.tar.gz"
    mv "$stage" "$dist/$name"
    tar -C "$dist" --owner=0 --group=0 --numeric-owner --sort=name -czf "$dist/$name.tar.gz" "$name"
    left=$(strays "$work/strays")
    echo "student kit: $dist/$name.tar.gz ($(wc -l <"$list") files; unpacked in $dist/$name/)"
    [ -z "$left" ] || echo "left out, not part of the kit's layout: $left"
}

# The files of labs/LAB/lab.conf's `provide` lines that live outside the lab
# folder (the kit's shared ../common files), relative to the kit.
provided_outside() {
    lab=$1
    sed -n 's/#.*//; s/^[[:space:]]*provide[[:space:]]\{1,\}//p' "$KIT/labs/$lab/lab.conf" |
        tr -s ' \t' '\n' | while IFS= read -r pattern; do
            (cd "$KIT/labs/$lab" && for f in $pattern; do
                if [ -e "$f" ]; then realpath --relative-to="$KIT" "$f"; fi
            done)
        done | grep -v "^labs/$lab/" | sort -u || true
}

# The kit an autograder needs to grade LAB: the grader's sources, the lab
# with its hidden tests, the shared files it provides; no solution, no
# fixture, no other lab.  Written to LIST.
autograder_files() { # LAB LIST
    {
        kit_files | grep -E "^grader/|^labs/$1/" |
            grep -v -E '^grader/(tests|gradescope|autolab|classroom)/|^grader/release\.sh$|^labs/[^/]+/fixtures/'
        provided_outside "$1"
    } | sort -u >"$2"
}

autograder() {
    lab=$1
    dist=$2
    [ -f "$KIT/labs/$lab/lab.conf" ] || die "no lab named $lab (labs/$lab/lab.conf)"
    case " $VISIBILITIES " in
    *" $HIDDEN_VISIBILITY "*) ;;
    *) die "HIDDEN_VISIBILITY=$HIDDEN_VISIBILITY: Gradescope knows only $(echo "$VISIBILITIES" | sed 's/ /, /g')" ;;
    esac
    stage="$dist/$lab-autograder"
    list=$(mktemp)
    trap 'rm -f "$list"' EXIT
    autograder_files "$lab" "$list"
    rm -rf "$stage" "$stage.zip"
    copy_files "$list" "$stage/labkit"
    version >"$stage/labkit/VERSION"
    cp "$KIT/grader/gradescope/setup.sh" "$KIT/grader/gradescope/run_autograder" "$stage/"
    chmod +x "$stage/setup.sh" "$stage/run_autograder"
    printf '# The lab this autograder grades (written by grader/release.sh).\nLAB=%s\nHIDDEN_VISIBILITY=%s\nVERSION=%s\n' \
        "$lab" "$HIDDEN_VISIBILITY" "$(version)" >"$stage/autograder.conf"
    (cd "$stage" && zip -qr -X "../$lab-autograder.zip" .)
    echo "Gradescope autograder: $dist/$lab-autograder.zip ($(wc -l <"$list") kit files)"
}

# Autolab: autograde.tar unpacks to labkit-autolab/ (the kit, grade.sh and
# autolab.conf); autograde-Makefile runs grade.sh.  The problems to define
# in the assessment are the lab's suites, with their points.
autolab() {
    lab=$1
    dist=$2
    [ -f "$KIT/labs/$lab/lab.conf" ] || die "no lab named $lab (labs/$lab/lab.conf)"
    out="$dist/$lab-autolab"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    autograder_files "$lab" "$work/files"
    copy_files "$work/files" "$work/labkit-autolab/labkit"
    version >"$work/labkit-autolab/labkit/VERSION"
    cp "$KIT/grader/autolab/grade.sh" "$work/labkit-autolab/"
    printf '# The lab this autograder grades (written by grader/release.sh).\nLAB=%s\nVERSION=%s\n' \
        "$lab" "$(version)" >"$work/labkit-autolab/autolab.conf"
    rm -rf "$out" && mkdir -p "$out"
    tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -cf "$out/autograde.tar" labkit-autolab
    cp "$KIT/grader/autolab/Makefile" "$out/autograde-Makefile"
    problems=$(awk '{ sub(/#.*/, "") } $1 == "case" { points[$2] += $4 }
        $1 == "suite" { order[++n] = $2 }
        END { for (i = 1; i <= n; i++) printf "%s%s (%g)", (i > 1 ? ", " : ""), order[i], points[order[i]] }' \
        "$KIT/labs/$lab/lab.conf")
    echo "Autolab autograder: $out/autograde.tar and $out/autograde-Makefile ($(wc -l <"$work/files") kit files)"
    echo "Autolab problems (name and max score): $problems"
}

command -v zip >/dev/null || [ "${1:-}" != autograder ] || die "zip is not installed (make deps)"
case "${1:-}" in
student)
    dist=$(mkdir -p "${2:-$KIT/dist}" && cd "${2:-$KIT/dist}" && pwd)
    student "$dist"
    ;;
autograder)
    [ -n "${2:-}" ] || die "usage: release.sh autograder LAB [DIST]"
    dist=$(mkdir -p "${3:-$KIT/dist}" && cd "${3:-$KIT/dist}" && pwd)
    autograder "$2" "$dist"
    ;;
autolab)
    [ -n "${2:-}" ] || die "usage: release.sh autolab LAB [DIST]"
    dist=$(mkdir -p "${3:-$KIT/dist}" && cd "${3:-$KIT/dist}" && pwd)
    autolab "$2" "$dist"
    ;;
*)
    sed -n '2,16s/^# \{0,1\}//p' "$0"
    exit 2
    ;;
esac
