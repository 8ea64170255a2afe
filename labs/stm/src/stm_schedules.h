// The stm lab's forced-schedule scenarios (stm_schedules.c), one per threaded case.
//
// Each runs its scenario under the explore scheduler (40 seeds of random and
// 40 of PCT) and fails the calling Check test with the first failing
// schedule's report.  Call them only in the explore build (-DLK_EXPLORE).
#ifndef STM_SCHEDULES_H
#define STM_SCHEDULES_H

// One thread updates x and y together, two read the pair: no attempt sees x != y.
void schedules_opacity(void);
// 3 threads x 2 transactional increments of one word: it ends at 6.
void schedules_no_lost_update(void);
// Two threads write x and y in opposite orders, 3 times each: at most 30 aborts.
void schedules_backoff_progress(void);
// Two threads transfer while a third audits: every audit sees the same total.
void schedules_bank_all_or_nothing(void);
// 3 items through a 1-slot queue to 2 takers: each taken once, nobody stuck.
void schedules_queue_handoff(void);

#endif
