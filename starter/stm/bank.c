// Bank accounts on the STM: withdraw and deposit are transactions, and so is a transfer made of both.
//
// Your task: README.md, task 2.  Each operation is one transaction: a body
// function that reads and writes balances through stm_read/stm_write, run by
// stm_atomically.  A body takes one pointer: pass a struct holding the
// arguments and a place for the result.
#include "stm.h"

void bank_init(struct bank *bank, stm_word *balances, int size, long opening)
{
    bank->balance = balances;
    bank->size = size;
    for (int i = 0; i < size; i++)
        atomic_init(&balances[i], opening);
}

bool bank_withdraw(struct bank *bank, int account, long amount)
{
    // TODO: refuse (return false, change nothing) if the balance is short.
    (void)bank, (void)account, (void)amount;
    return false;
}

void bank_deposit(struct bank *bank, int account, long amount)
{
    // TODO
    (void)bank, (void)account, (void)amount;
}

bool bank_transfer(struct bank *bank, int from, int to, long amount)
{
    // TODO: one transaction whose body calls bank_withdraw and, if that
    // succeeded, bank_deposit (README.md#nesting).
    (void)bank, (void)from, (void)to, (void)amount;
    return false;
}

long bank_balance(struct bank *bank, int account)
{
    // TODO
    (void)bank, (void)account;
    return 0;
}

long bank_total(struct bank *bank)
{
    // TODO: every account read in one transaction.
    (void)bank;
    return 0;
}
