/* The FUSE kernel protocol (linux/fuse.h): the structs src/ReverseCrypt.Fuse lays out, its opcodes, init flags
 * and other constants. FUSE over io_uring (fuse_uring_*) is in uring.c. */
#include <linux/fuse.h>
#include <stdint.h>    /* FUSE_DEV_IOC_CLONE is _IOR(..., uint32_t) */
#include <sys/ioctl.h> /* _IOR */

#include "abi.h"

#define STRUCT(name) PRINT_SIZE(#name, struct name)
#define MEMBER(name, field) PRINT_FIELD(#name, struct name, field)

static void print_structs(void)
{
    STRUCT(fuse_attr);
    MEMBER(fuse_attr, ino);
    MEMBER(fuse_attr, size);
    MEMBER(fuse_attr, blocks);
    MEMBER(fuse_attr, atime);
    MEMBER(fuse_attr, mtime);
    MEMBER(fuse_attr, ctime);
    MEMBER(fuse_attr, atimensec);
    MEMBER(fuse_attr, mtimensec);
    MEMBER(fuse_attr, ctimensec);
    MEMBER(fuse_attr, mode);
    MEMBER(fuse_attr, nlink);
    MEMBER(fuse_attr, uid);
    MEMBER(fuse_attr, gid);
    MEMBER(fuse_attr, rdev);
    MEMBER(fuse_attr, blksize);
    MEMBER(fuse_attr, flags);

    STRUCT(fuse_entry_out);
    MEMBER(fuse_entry_out, nodeid);
    MEMBER(fuse_entry_out, generation);
    MEMBER(fuse_entry_out, entry_valid);
    MEMBER(fuse_entry_out, attr_valid);
    MEMBER(fuse_entry_out, entry_valid_nsec);
    MEMBER(fuse_entry_out, attr_valid_nsec);
    MEMBER(fuse_entry_out, attr);

    STRUCT(fuse_kstatfs);
    MEMBER(fuse_kstatfs, blocks);
    MEMBER(fuse_kstatfs, bfree);
    MEMBER(fuse_kstatfs, bavail);
    MEMBER(fuse_kstatfs, files);
    MEMBER(fuse_kstatfs, ffree);
    MEMBER(fuse_kstatfs, bsize);
    MEMBER(fuse_kstatfs, namelen);
    MEMBER(fuse_kstatfs, frsize);
    MEMBER(fuse_kstatfs, padding);
    MEMBER(fuse_kstatfs, spare);

    STRUCT(fuse_statfs_out);

    STRUCT(fuse_in_header);
    MEMBER(fuse_in_header, len);
    MEMBER(fuse_in_header, opcode);
    MEMBER(fuse_in_header, unique);
    MEMBER(fuse_in_header, nodeid);
    MEMBER(fuse_in_header, uid);
    MEMBER(fuse_in_header, gid);
    MEMBER(fuse_in_header, pid);
    MEMBER(fuse_in_header, total_extlen);
    MEMBER(fuse_in_header, padding);

    STRUCT(fuse_out_header);
    MEMBER(fuse_out_header, len);
    MEMBER(fuse_out_header, error);
    MEMBER(fuse_out_header, unique);

    STRUCT(fuse_init_in);
    MEMBER(fuse_init_in, major);
    MEMBER(fuse_init_in, minor);
    MEMBER(fuse_init_in, max_readahead);
    MEMBER(fuse_init_in, flags);
    MEMBER(fuse_init_in, flags2);
    MEMBER(fuse_init_in, unused);

    STRUCT(fuse_init_out);
    MEMBER(fuse_init_out, major);
    MEMBER(fuse_init_out, minor);
    MEMBER(fuse_init_out, max_readahead);
    MEMBER(fuse_init_out, flags);
    MEMBER(fuse_init_out, max_background);
    MEMBER(fuse_init_out, congestion_threshold);
    MEMBER(fuse_init_out, max_write);
    MEMBER(fuse_init_out, time_gran);
    MEMBER(fuse_init_out, max_pages);
    MEMBER(fuse_init_out, map_alignment);
    MEMBER(fuse_init_out, flags2);
    MEMBER(fuse_init_out, unused);

    STRUCT(fuse_attr_out);
    MEMBER(fuse_attr_out, attr_valid);
    MEMBER(fuse_attr_out, attr_valid_nsec);
    MEMBER(fuse_attr_out, dummy);
    MEMBER(fuse_attr_out, attr);

    STRUCT(fuse_getattr_in);
    MEMBER(fuse_getattr_in, getattr_flags);
    MEMBER(fuse_getattr_in, dummy);
    MEMBER(fuse_getattr_in, fh);

    STRUCT(fuse_open_in);
    MEMBER(fuse_open_in, flags);
    MEMBER(fuse_open_in, open_flags);

    STRUCT(fuse_open_out);
    MEMBER(fuse_open_out, fh);
    MEMBER(fuse_open_out, open_flags);
    MEMBER(fuse_open_out, padding);

    STRUCT(fuse_read_in);
    MEMBER(fuse_read_in, fh);
    MEMBER(fuse_read_in, offset);
    MEMBER(fuse_read_in, size);
    MEMBER(fuse_read_in, read_flags);
    MEMBER(fuse_read_in, lock_owner);
    MEMBER(fuse_read_in, flags);
    MEMBER(fuse_read_in, padding);

    STRUCT(fuse_release_in);
    MEMBER(fuse_release_in, fh);
    MEMBER(fuse_release_in, flags);
    MEMBER(fuse_release_in, release_flags);
    MEMBER(fuse_release_in, lock_owner);

    STRUCT(fuse_flush_in);
    MEMBER(fuse_flush_in, fh);
    MEMBER(fuse_flush_in, unused);
    MEMBER(fuse_flush_in, padding);
    MEMBER(fuse_flush_in, lock_owner);

    STRUCT(fuse_forget_in);
    MEMBER(fuse_forget_in, nlookup);

    STRUCT(fuse_batch_forget_in);
    MEMBER(fuse_batch_forget_in, count);
    MEMBER(fuse_batch_forget_in, dummy);

    STRUCT(fuse_forget_one);
    MEMBER(fuse_forget_one, nodeid);
    MEMBER(fuse_forget_one, nlookup);

    STRUCT(fuse_getxattr_in);
    MEMBER(fuse_getxattr_in, size);
    MEMBER(fuse_getxattr_in, padding);

    STRUCT(fuse_getxattr_out);
    MEMBER(fuse_getxattr_out, size);
    MEMBER(fuse_getxattr_out, padding);

    STRUCT(fuse_access_in);
    MEMBER(fuse_access_in, mask);
    MEMBER(fuse_access_in, padding);

    STRUCT(fuse_interrupt_in);
    MEMBER(fuse_interrupt_in, unique);

    STRUCT(fuse_dirent);
    MEMBER(fuse_dirent, ino);
    MEMBER(fuse_dirent, off);
    MEMBER(fuse_dirent, namelen);
    MEMBER(fuse_dirent, type);
    PRINT_OFFSET("fuse_dirent", struct fuse_dirent, name);

    STRUCT(fuse_direntplus);
    MEMBER(fuse_direntplus, entry_out);
    MEMBER(fuse_direntplus, dirent);
}

static void print_constants(void)
{
    PRINT_CONST(FUSE_KERNEL_VERSION);
    PRINT_CONST(FUSE_KERNEL_MINOR_VERSION);
    PRINT_CONST(FUSE_ROOT_ID);
    PRINT_CONST(FUSE_MIN_READ_BUFFER);
    PRINT_CONST(FUSE_NAME_OFFSET);
    PRINT_CONST(FUSE_GETATTR_FH);
    PRINT_CONST(FUSE_READ_LOCKOWNER);
    PRINT_CONST(FUSE_RELEASE_FLUSH);
    PRINT_UCONST(FUSE_DEV_IOC_CLONE);

    PRINT_CONST(FUSE_LOOKUP);
    PRINT_CONST(FUSE_FORGET);
    PRINT_CONST(FUSE_GETATTR);
    PRINT_CONST(FUSE_SETATTR);
    PRINT_CONST(FUSE_READLINK);
    PRINT_CONST(FUSE_SYMLINK);
    PRINT_CONST(FUSE_MKNOD);
    PRINT_CONST(FUSE_MKDIR);
    PRINT_CONST(FUSE_UNLINK);
    PRINT_CONST(FUSE_RMDIR);
    PRINT_CONST(FUSE_RENAME);
    PRINT_CONST(FUSE_LINK);
    PRINT_CONST(FUSE_OPEN);
    PRINT_CONST(FUSE_READ);
    PRINT_CONST(FUSE_WRITE);
    PRINT_CONST(FUSE_STATFS);
    PRINT_CONST(FUSE_RELEASE);
    PRINT_CONST(FUSE_FSYNC);
    PRINT_CONST(FUSE_SETXATTR);
    PRINT_CONST(FUSE_GETXATTR);
    PRINT_CONST(FUSE_LISTXATTR);
    PRINT_CONST(FUSE_REMOVEXATTR);
    PRINT_CONST(FUSE_FLUSH);
    PRINT_CONST(FUSE_INIT);
    PRINT_CONST(FUSE_OPENDIR);
    PRINT_CONST(FUSE_READDIR);
    PRINT_CONST(FUSE_RELEASEDIR);
    PRINT_CONST(FUSE_FSYNCDIR);
    PRINT_CONST(FUSE_GETLK);
    PRINT_CONST(FUSE_SETLK);
    PRINT_CONST(FUSE_SETLKW);
    PRINT_CONST(FUSE_ACCESS);
    PRINT_CONST(FUSE_CREATE);
    PRINT_CONST(FUSE_INTERRUPT);
    PRINT_CONST(FUSE_BMAP);
    PRINT_CONST(FUSE_DESTROY);
    PRINT_CONST(FUSE_IOCTL);
    PRINT_CONST(FUSE_POLL);
    PRINT_CONST(FUSE_NOTIFY_REPLY);
    PRINT_CONST(FUSE_BATCH_FORGET);
    PRINT_CONST(FUSE_FALLOCATE);
    PRINT_CONST(FUSE_READDIRPLUS);
    PRINT_CONST(FUSE_RENAME2);
    PRINT_CONST(FUSE_LSEEK);
    PRINT_CONST(FUSE_COPY_FILE_RANGE);
    PRINT_CONST(FUSE_SETUPMAPPING);
    PRINT_CONST(FUSE_REMOVEMAPPING);
    PRINT_CONST(FUSE_SYNCFS);
    PRINT_CONST(FUSE_TMPFILE);
    /* Enumerators, not macros: the protocol minor version tells whether the header has them. */
#if FUSE_KERNEL_MINOR_VERSION >= 39
    PRINT_CONST(FUSE_STATX);
#else
    PRINT_ABSENT("FUSE_STATX");
#endif

    PRINT_UCONST(FUSE_ASYNC_READ);
    PRINT_UCONST(FUSE_POSIX_LOCKS);
    PRINT_UCONST(FUSE_FILE_OPS);
    PRINT_UCONST(FUSE_ATOMIC_O_TRUNC);
    PRINT_UCONST(FUSE_EXPORT_SUPPORT);
    PRINT_UCONST(FUSE_BIG_WRITES);
    PRINT_UCONST(FUSE_DONT_MASK);
    PRINT_UCONST(FUSE_SPLICE_WRITE);
    PRINT_UCONST(FUSE_SPLICE_MOVE);
    PRINT_UCONST(FUSE_SPLICE_READ);
    PRINT_UCONST(FUSE_FLOCK_LOCKS);
    PRINT_UCONST(FUSE_HAS_IOCTL_DIR);
    PRINT_UCONST(FUSE_AUTO_INVAL_DATA);
    PRINT_UCONST(FUSE_DO_READDIRPLUS);
    PRINT_UCONST(FUSE_READDIRPLUS_AUTO);
    PRINT_UCONST(FUSE_ASYNC_DIO);
    PRINT_UCONST(FUSE_WRITEBACK_CACHE);
    PRINT_UCONST(FUSE_NO_OPEN_SUPPORT);
    PRINT_UCONST(FUSE_PARALLEL_DIROPS);
    PRINT_UCONST(FUSE_HANDLE_KILLPRIV);
    PRINT_UCONST(FUSE_POSIX_ACL);
    PRINT_UCONST(FUSE_ABORT_ERROR);
    PRINT_UCONST(FUSE_MAX_PAGES);
    PRINT_UCONST(FUSE_CACHE_SYMLINKS);
    PRINT_UCONST(FUSE_NO_OPENDIR_SUPPORT);
    PRINT_UCONST(FUSE_EXPLICIT_INVAL_DATA);
    PRINT_UCONST(FUSE_MAP_ALIGNMENT);
    PRINT_UCONST(FUSE_SUBMOUNTS);
    PRINT_UCONST(FUSE_HANDLE_KILLPRIV_V2);
    PRINT_UCONST(FUSE_SETXATTR_EXT);
    PRINT_UCONST(FUSE_INIT_EXT);
    PRINT_UCONST(FUSE_INIT_RESERVED);
    PRINT_UCONST(FUSE_SECURITY_CTX);
    PRINT_UCONST(FUSE_HAS_INODE_DAX);
#ifdef FUSE_CREATE_SUPP_GROUP
    PRINT_UCONST(FUSE_CREATE_SUPP_GROUP);
#else
    PRINT_ABSENT("FUSE_CREATE_SUPP_GROUP");
#endif
#ifdef FUSE_HAS_EXPIRE_ONLY
    PRINT_UCONST(FUSE_HAS_EXPIRE_ONLY);
#else
    PRINT_ABSENT("FUSE_HAS_EXPIRE_ONLY");
#endif
#ifdef FUSE_OVER_IO_URING
    PRINT_UCONST(FUSE_OVER_IO_URING);
#else
    PRINT_ABSENT("FUSE_OVER_IO_URING");
#endif
}

void print_fuse(void)
{
    print_structs();
    print_constants();
}
