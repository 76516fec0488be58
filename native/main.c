/* abi: prints the sizes, offsets and constants that ReverseCrypt's C# code mirrors, as the installed
 * kernel and C library headers define them. The ABI tests build this with make, run it and compare. */
#include "abi.h"

int main(void)
{
    print_fuse();
    print_uring();
    print_libc();
    return 0;
}
