# labkit: a teaching lab kit for memory allocation, concurrency and parallelism.
# `make help` lists what you can do.

LAB ?= malloc
SUBMISSION ?= starter/$(LAB)
ARGS ?=
# A handout task: grade only its cases (lab.conf's `task` lines).
TASK ?=
DIST ?= dist
# The grading service `make autograder` builds for: gradescope or autolab.
TARGET ?= gradescope
PACKAGES := gcc clang make pkg-config check valgrind gdb bubblewrap python3 libseccomp-dev \
            python3-jsonschema python3-yaml pandoc graphviz zip unzip patch gnuplot-nox netcat-openbsd

ifneq ($(V),1)
Q := @
endif

help:
	@echo "labkit: labs on memory allocation, concurrency and parallelism"
	@echo ""
	@echo "  make grade LAB=malloc         grade starter/malloc (your working copy)"
	@echo "  make grade LAB=malloc SUBMISSION=dir   grade another folder"
	@echo "  make grade ... ARGS='--keep --case NAME'   keep the build, one case only"
	@echo "  make grade LAB=sync TASK=2    only the cases of the handout's Task 2"
	@echo "  make labs                     list the labs"
	@echo "  make test                     the kit's own tests (about 13 minutes; LAB=x for one lab)"
	@echo "  make deps                     install the Debian packages the kit needs"
	@echo "  make grader                   build grader/labgrade"
	@echo "  make docs                     render docs/ to HTML in docs/_site"
	@echo "  make release                  the student kit in dist/ (instructors; docs/instructor.md)"
	@echo "  make autograder LAB=malloc    Gradescope's autograder, dist/malloc-autograder.zip"
	@echo "  make autograder LAB=malloc TARGET=autolab   Autolab's, in dist/malloc-autolab/"
	@echo "  make clean"
	@echo ""
	@echo "The grader: grader/labgrade --help"

deps:
	$(Q)if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES); \
	else \
	    echo "make deps installs Debian packages and needs root. Run:"; \
	    echo "  sudo apt-get install -y $(PACKAGES)"; \
	    exit 1; \
	fi

# Say what is missing and how to get it, instead of failing with a linker error.
check-deps:
	$(Q)missing=""; \
	command -v cc >/dev/null || missing="$$missing gcc"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	pkg-config --exists check 2>/dev/null || missing="$$missing check"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	if [ -n "$$missing" ]; then \
	    echo "labkit needs:$$missing"; \
	    echo "install them with: make deps   (or: sudo apt-get install -y$$missing)"; \
	    exit 1; \
	fi

grader: check-deps
	$(Q)$(MAKE) -s -C grader

# A score below full marks is not an error of make's (labgrade exits 1);
# a broken command or lab is (exit 2).
grade: grader
	$(Q)grader/labgrade $(if $(TASK),--task $(TASK)) $(ARGS) $(LAB) $(SUBMISSION); rc=$$?; [ $$rc -le 1 ]

labs: grader
	$(Q)grader/labgrade list

test: grader
	$(Q)tests/run.sh $(if $(filter command line,$(origin LAB)),$(LAB))

docs:
	$(Q)$(MAKE) -s -C docs html

# The instructor kit's releases (grader/release.sh is not in the student kit).
release:
	$(Q)if [ -x grader/release.sh ]; then grader/release.sh student $(DIST); \
	else echo "make release needs the instructor kit: this is the student kit"; exit 1; fi

autograder:
	$(Q)case "$(TARGET)" in gradescope) what=autograder ;; autolab) what=autolab ;; \
	    *) echo "TARGET=$(TARGET): make autograder builds for gradescope or autolab"; exit 1 ;; esac; \
	if [ -x grader/release.sh ]; then grader/release.sh $$what $(LAB) $(DIST); \
	else echo "make autograder needs the instructor kit: this is the student kit"; exit 1; fi

clean:
	$(Q)$(MAKE) -s -C grader clean
	$(Q)rm -rf dist docs/_site

.PHONY: help deps check-deps grader grade labs test docs release autograder clean
