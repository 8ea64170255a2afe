# What the lab Makefiles share: finding the submission, building the tests the
# way the grader does, and the targets test, tsan, explore, clean and help
# (the convention is docs/lab-format.md, "The lab's Makefile").
#
# A lab's Makefile sets these, then `include ../common/lab.mk`:
#   LAB            the lab's name: the default SUBMISSION is starter/$(LAB)
#   LAB_FILES      the files of lab.conf's `submit` line (the first one is
#                  how a folder is recognised as a submission)
#   PROVIDED       the lab's own .c files the tests link (src/*_test.c, ...)
#   LAB_CFLAGS     lab.conf's `cflags`, if any
#   LAB_LDFLAGS    extra link flags of the tests, if any
#   LAB_TOOLS      the test targets this lab offers (default: test tsan explore)
#   EXPLORE_CASES  the cases `make explore` runs (default: each case explore_*)
#   SKIP_CASES     cases `make test` and `make tsan` leave out (explore-only ones)
#   LAB_HELP       (a `define`) the help lines of the lab's own targets
# and gets SUBDIR and SUBMITTED (the submission's folder and files), BUILD,
# COMMON, Q, the prerequisite check-submission, and $(call lab_program,
# SOURCE,NAME) to build a demo or benchmark with the submission, optimised.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
COMMON := $(ROOT)/labs/common
RUNNER := $(ROOT)/grader/runner
BUILD ?= build
CC ?= cc
Q := $(if $(V),,@)

SUBMISSION ?= starter/$(LAB)
SUBDIR := $(firstword $(foreach d,$(abspath $(SUBMISSION)) $(abspath $(ROOT)/$(SUBMISSION)),\
                          $(if $(wildcard $(d)/$(firstword $(LAB_FILES))),$(d))))
SUBMITTED = $(addprefix $(SUBDIR)/,$(LAB_FILES))

# As the grader builds: -std=gnu11 -g -Wall -Wextra plus lab.conf's cflags.
CFLAGS_LAB := -std=gnu11 -g -Wall -Wextra $(LAB_CFLAGS) -Isrc -I$(COMMON) -I$(RUNNER)
CHECK_LIBS = $(shell pkg-config --cflags --libs check)
LAB_TOOLS ?= test tsan explore

# Demos and benchmarks: the submission and the code it is compared with are
# optimised alike.
PROGRAM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Isrc -I$(COMMON)
PROGRAM_SOURCES ?= $(COMMON)/lk_atomic.c
lab_program = $(Q)$(CC) $(PROGRAM_CFLAGS) $(1) $(PROGRAM_SOURCES) $(SUBMITTED) -pthread \
	-o $(BUILD)/$(2)

.PHONY: help check-submission clean $(LAB_TOOLS)

export LAB_HELP
help:
	@echo "make -C labs/$(LAB) TARGET [SUBMISSION=dir] [V=1]"
	@printf '%s\n' "$$LAB_HELP"
	@$(if $(filter test,$(LAB_TOOLS)),echo "  test      build the tests natively and run every case")
	@$(if $(filter tsan,$(LAB_TOOLS)),echo "  tsan      the same under ThreadSanitizer")
	@$(if $(filter explore,$(LAB_TOOLS)),echo "  explore   the forced-schedule cases (explore build; see labs/common/README.md)")
	@echo "  clean     remove $(BUILD)/"
	@echo "SUBMISSION=$(SUBMISSION) (the folder with $(LAB_FILES): from the kit's root, this folder, or absolute)"

check-submission:
	@test -n "$(SUBDIR)" || { echo "no $(firstword $(LAB_FILES)) in SUBMISSION=$(SUBMISSION)" >&2; exit 1; }

$(BUILD):
	$(Q)mkdir -p $@

# Each suite file becomes one binary, $(BUILD)/SUITE-VARIANT, as the grader
# builds it: runner + suite + the lab's files + the submission.
SUITE_FILES := $(wildcard tests/*.c hidden/*.c)
build_suites = $(Q)for f in $(SUITE_FILES); do \
		$(CC) $(CFLAGS_LAB) $(2) $(RUNNER)/runner.c $$f $(PROVIDED) $(SUBMITTED) \
			$(CHECK_LIBS) -pthread $(LAB_LDFLAGS) -o $(BUILD)/$$(basename $$f .c)-$(1) || exit 1; done
suite_binaries = $(foreach f,$(SUITE_FILES),$(BUILD)/$(basename $(notdir $(f)))-$(1))
alternatives = $(subst $() ,\|,$(strip $(1)))
run_cases = for c in $$($$b --list$(if $(SKIP_CASES), | grep -v -x -e '$(call alternatives,$(SKIP_CASES))')); do

test: check-submission | $(BUILD)
	$(call build_suites,native,)
	$(Q)for b in $(call suite_binaries,native); do $(run_cases) $$b $$c; done; done; true

ifneq ($(filter tsan,$(LAB_TOOLS)),)
# TSan binaries run with address randomisation off: on newer kernels the
# randomised layout breaks gcc 12 and clang 14 TSan binaries.
tsan: check-submission | $(BUILD)
	$(call build_suites,tsan,-fsanitize=thread)
	$(Q)for b in $(call suite_binaries,tsan); do $(run_cases) LK_TOOL=tsan \
		LK_SLOWDOWN=5 TSAN_OPTIONS=exitcode=66 setarch -R $$b $$c; done; done; true
endif

ifneq ($(filter explore,$(LAB_TOOLS)),)
explore: check-submission | $(BUILD)
	$(call build_suites,explore,-DLK_EXPLORE)
	$(Q)for b in $(call suite_binaries,explore); do \
		for c in $$($$b --list | grep -x -e '$(if $(EXPLORE_CASES),$(call alternatives,$(EXPLORE_CASES)),explore_.*)'); do \
		LK_TOOL=explore LK_SLOWDOWN=3 $$b $$c; done; done; true
endif

clean:
	rm -rf $(BUILD)
