// Bank accounts on the STM: withdraw and deposit are transactions, and so is a transfer made of both.
#include "stm.h"

void bank_init(struct bank *bank, stm_word *balances, int size, long opening)
{
    bank->balance = balances;
    bank->size = size;
    for (int i = 0; i < size; i++)
        atomic_init(&balances[i], opening);
}

// Each operation's arguments and result travel in a struct, since a body
// takes one pointer.  The result is set by every attempt; the caller sees the
// one from the attempt that committed.
struct account_op {
    struct bank *bank;
    int account, other;
    long amount;
    bool done;
};

static void withdraw_body(stm_tx *tx, void *arg)
{
    struct account_op *op = arg;
    stm_word *balance = &op->bank->balance[op->account];
    long now = stm_read(tx, balance);
    op->done = now >= op->amount;
    if (op->done)
        stm_write(tx, balance, now - op->amount);
}

bool bank_withdraw(struct bank *bank, int account, long amount)
{
    struct account_op op = { bank, account, 0, amount, false };
    stm_atomically(withdraw_body, &op);
    return op.done;
}

static void deposit_body(stm_tx *tx, void *arg)
{
    struct account_op *op = arg;
    stm_word *balance = &op->bank->balance[op->account];
    stm_write(tx, balance, stm_read(tx, balance) + op->amount);
}

void bank_deposit(struct bank *bank, int account, long amount)
{
    struct account_op op = { bank, account, 0, amount, false };
    stm_atomically(deposit_body, &op);
}

// Two transactions called inside a third become part of it: the withdrawal
// and the deposit commit together or not at all.  With two locked functions
// this would need a new lock protocol; here it is a function call.
static void transfer_body(stm_tx *tx, void *arg)
{
    (void)tx;
    struct account_op *op = arg;
    op->done = bank_withdraw(op->bank, op->account, op->amount);
    if (op->done)
        bank_deposit(op->bank, op->other, op->amount);
}

bool bank_transfer(struct bank *bank, int from, int to, long amount)
{
    struct account_op op = { bank, from, to, amount, false };
    stm_atomically(transfer_body, &op);
    return op.done;
}

static void balance_body(stm_tx *tx, void *arg)
{
    struct account_op *op = arg;
    op->amount = stm_read(tx, &op->bank->balance[op->account]);
}

long bank_balance(struct bank *bank, int account)
{
    struct account_op op = { bank, account, 0, 0, false };
    stm_atomically(balance_body, &op);
    return op.amount;
}

static void total_body(stm_tx *tx, void *arg)
{
    struct account_op *op = arg;
    op->amount = 0;
    for (int i = 0; i < op->bank->size; i++)
        op->amount += stm_read(tx, &op->bank->balance[i]);
}

long bank_total(struct bank *bank)
{
    struct account_op op = { bank, 0, 0, 0, false };
    stm_atomically(total_body, &op);
    return op.amount;
}
