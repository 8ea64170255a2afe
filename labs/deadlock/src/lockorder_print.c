// The lock-order checker's report, as text (the default reporter prints it).
#include "lockorder.h"

// Print, for example:
//
//   lock-order checker: possible deadlock: B -> A -> B
//     B -> A  first at bank.c:31 (this lock closes the cycle)
//     A -> B  first at bank.c:24
void lo_print_cycle(FILE *out, const struct lo_cycle *cycle)
{
    if (cycle->length < 1)
        return;
    fprintf(out, "lock-order checker: possible deadlock: %s", cycle->edge[0].from->name);
    for (int i = 0; i < cycle->length; i++)
        fprintf(out, " -> %s", cycle->edge[i].to->name);
    fputc('\n', out);
    for (int i = 0; i < cycle->length; i++) {
        const struct lo_edge *e = &cycle->edge[i];
        fprintf(out, "  %s -> %s  first at %s:%d%s\n", e->from->name, e->to->name, e->file,
                e->line, i == 0 ? " (this lock closes the cycle)" : "");
    }
}
