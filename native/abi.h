/* Shared printing helpers: every line is "name value" (decimal), one fact per line.
 * "absent NAME" marks a fact the installed headers do not define (older linux-libc-dev). */
#ifndef REVERSECRYPT_ABI_H
#define REVERSECRYPT_ABI_H

#include <stddef.h>
#include <stdio.h>

#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)

/* sizeof of a struct type */
#define PRINT_SIZE(label, type) printf("sizeof.%s %zu\n", label, sizeof(type))

/* offset and size of one member */
#define PRINT_FIELD(label, type, field)                                                        \
    do {                                                                                       \
        printf("offsetof.%s.%s %zu\n", label, #field, offsetof(type, field));                  \
        printf("fieldsize.%s.%s %zu\n", label, #field, FIELD_SIZE(type, field));               \
    } while (0)

/* offset of a flexible array member (no size) */
#define PRINT_OFFSET(label, type, field) printf("offsetof.%s.%s %zu\n", label, #field, offsetof(type, field))

/* a constant (macro or enumerator) under its C name */
#define PRINT_CONST(name) printf("%s %lld\n", #name, (long long)(name))

/* a flag or mask: a 32-bit expression is read as unsigned (FUSE_INIT_RESERVED is (1 << 31), an int) */
#define PRINT_UCONST(name)                                                                     \
    printf("%s %llu\n", #name,                                                                 \
           sizeof(name) == 4 ? (unsigned long long)(unsigned int)(name) : (unsigned long long)(name))

#define PRINT_ABSENT(name) printf("absent %s\n", name)

void print_fuse(void);
void print_uring(void);
void print_libc(void);

#endif
