// Reading symbols and section names straight from ELF64 object files, and
// the lab's symbol policy.
#define _GNU_SOURCE
#include "symbols.h"

#include <ctype.h>
#include <dlfcn.h>
#include <elf.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static void add_name(char ***list, int *count, const char *name)
{
    if (symbols_has(*list, *count, name))
        return;
    *list = xrealloc(*list, sizeof **list * (size_t)(*count + 1));
    (*list)[(*count)++] = xstrdup(name);
}

int symbols_has(char **names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

// A NUL-terminated string at offset `at` of a string table, or NULL.
static const char *string_at(const char *data, size_t size, const Elf64_Shdr *table, size_t at)
{
    if (table->sh_offset > size || table->sh_size > size - table->sh_offset || at >= table->sh_size)
        return NULL;
    const char *s = data + table->sh_offset + at;
    if (!memchr(s, '\0', table->sh_size - at))
        return NULL;
    return s;
}

static void read_symbol_table(const char *data, size_t size, const Elf64_Shdr *sections,
                              size_t section_count, const Elf64_Shdr *symtab, struct symbols *out)
{
    if (symtab->sh_link >= section_count || symtab->sh_offset > size ||
        symtab->sh_size > size - symtab->sh_offset)
        return;
    const Elf64_Shdr *strtab = &sections[symtab->sh_link];
    size_t count = symtab->sh_size / sizeof(Elf64_Sym);
    const Elf64_Sym *syms = (const Elf64_Sym *)(data + symtab->sh_offset);
    for (size_t i = 1; i < count; i++) {
        int bind = ELF64_ST_BIND(syms[i].st_info);
        const char *name = string_at(data, size, strtab, syms[i].st_name);
        if (!name || !*name || (bind != STB_GLOBAL && bind != STB_WEAK))
            continue;
        if (syms[i].st_shndx == SHN_UNDEF)
            add_name(&out->undefined, &out->undefined_count, name);
        else
            add_name(&out->defined, &out->defined_count, name);
    }
}

int symbols_read(const char *path, struct symbols *out, struct buf *err)
{
    memset(out, 0, sizeof *out);
    size_t size = 0;
    char *data = file_read(path, 256u << 20, &size, NULL);
    if (!data) {
        buf_printf(err, "cannot read %s", path);
        return -1;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff > size || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
        eh->e_shstrndx >= eh->e_shnum) {
        buf_printf(err, "%s is not a 64-bit ELF object file", path);
        free(data);
        return -1;
    }
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(data + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        const char *name = string_at(data, size, &sections[eh->e_shstrndx], sections[i].sh_name);
        if (name && *name)
            add_name(&out->sections, &out->section_count, name);
        if (sections[i].sh_type == SHT_SYMTAB)
            read_symbol_table(data, size, sections, eh->e_shnum, &sections[i], out);
    }
    free(data);
    return 0;
}

static void free_names(char **names, int count)
{
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

void symbols_free(struct symbols *s)
{
    free_names(s->defined, s->defined_count);
    free_names(s->undefined, s->undefined_count);
    free_names(s->sections, s->section_count);
    memset(s, 0, sizeof *s);
}

static int matches_any(char **globs, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (fnmatch(globs[i], name, 0) == 0)
            return 1;
    return 0;
}

// Symbols the compiler may reference on its own, whatever the code says.
static int compiler_symbol(const char *name)
{
    static const char *implicit[] = {"_GLOBAL_OFFSET_TABLE_", "__stack_chk_fail",
                                     "__stack_chk_guard", "_DYNAMIC", "__dso_handle"};
    for (size_t i = 0; i < sizeof implicit / sizeof *implicit; i++)
        if (strcmp(name, implicit[i]) == 0)
            return 1;
    return 0;
}

// Names a submission may not define: the harness, Check, the C library.
static const char *reserved_kind(const char *name)
{
    static const char *check_prefixes[] = {"srunner_", "suite_", "tcase_", "_tcase_", "_ck_",
                                           "ck_", "tr_", "check_", "lk_", "_mark_point"};
    if (strcmp(name, "main") == 0 || strcmp(name, "_start") == 0)
        return "the program's entry point";
    for (size_t i = 0; i < sizeof check_prefixes / sizeof *check_prefixes; i++)
        if (strncmp(name, check_prefixes[i], strlen(check_prefixes[i])) == 0)
            return "a name of the test harness";
    if (dlsym(RTLD_DEFAULT, name) != NULL)
        return "a C library function";
    return NULL;
}

static int forbidden_section(const char *name)
{
    static const char *prefixes[] = {".init_array", ".fini_array", ".preinit_array", ".ctors",
                                     ".dtors"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static int identifier_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

// The line of the first use of `name` in a source file, outside comments
// that fill a line; 0 when it is not there (a macro made the call).
static int source_line(const char *path, const char *name)
{
    char *text = file_read(path, 16 << 20, NULL, NULL);
    size_t len = strlen(name);
    int found = 0, line = 1;
    for (char *p = text; p && *p && !found; line++) {
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        const char *code = p + strspn(p, " \t");
        int comment = strncmp(code, "//", 2) == 0 || code[0] == '*' || strncmp(code, "/*", 2) == 0;
        for (const char *at = strstr(p, name); at && !comment && !found; at = strstr(at + 1, name))
            found = (at == p || !identifier_char(at[-1])) && !identifier_char(at[len]) ? line : 0;
        p = end ? end + 1 : NULL;
    }
    free(text);
    return found;
}

int symbols_check(const char *file, const struct symbols *object, const struct symbols *submission,
                  const struct symbols *provided, const struct symbols *reserved,
                  char **allow, int allow_count, char **deny, int deny_count, struct buf *why)
{
    int problems = 0;
    for (int i = 0; i < object->undefined_count; i++) {
        const char *name = object->undefined[i];
        if (matches_any(deny, deny_count, name)) {
            int line = source_line(file, name);
            if (line > 0)
                buf_printf(why, "%s:%d: ", path_base(file), line);
            else
                buf_printf(why, "%s ", path_base(file));
            buf_printf(why, "uses `%s`, which the lab keeps for its own driver and tests\n", name);
            problems++;
            continue;
        }
        if (compiler_symbol(name) || symbols_has(submission->defined, submission->defined_count, name) ||
            symbols_has(provided->defined, provided->defined_count, name) ||
            matches_any(allow, allow_count, name))
            continue;
        int line = source_line(file, name);
        if (line > 0)
            buf_printf(why, "%s:%d: uses `%s`, which this lab does not allow\n", path_base(file),
                       line, name);
        else
            buf_printf(why, "%s uses `%s`, which this lab does not allow\n", path_base(file), name);
        problems++;
    }
    for (int i = 0; i < object->defined_count; i++) {
        const char *name = object->defined[i];
        const char *kind = reserved_kind(name);
        if (!kind && symbols_has(reserved->defined, reserved->defined_count, name))
            kind = "defined by the lab's own files or tests";
        if (kind) {
            buf_printf(why, "%s defines `%s` (%s); rename it or make it static\n", path_base(file),
                       name, kind);
            problems++;
        }
    }
    for (int i = 0; i < object->section_count; i++) {
        if (forbidden_section(object->sections[i])) {
            buf_printf(why, "%s has a constructor or destructor (section %s); code may run only "
                            "when the tests call it\n", path_base(file), object->sections[i]);
            problems++;
        }
    }
    return problems;
}
