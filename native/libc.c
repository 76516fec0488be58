/* The C library and kernel interfaces src/ReverseCrypt.Interop (and a few private copies elsewhere) hard-code:
 * statx, statfs64, timespec, iovec/msghdr/cmsghdr, pollfd, dirent64, xattr_args, flags and errno values. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <linux/version.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <time.h>

#include "abi.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#include <linux/xattr.h> /* struct xattr_args */
#define HAVE_XATTR_ARGS 1
#else
#define HAVE_XATTR_ARGS 0
#endif

#define STRUCT(name) PRINT_SIZE(#name, struct name)
#define MEMBER(name, field) PRINT_FIELD(#name, struct name, field)

static void print_structs(void)
{
    STRUCT(statx);
    MEMBER(statx, stx_mask);
    MEMBER(statx, stx_blksize);
    MEMBER(statx, stx_attributes);
    MEMBER(statx, stx_nlink);
    MEMBER(statx, stx_uid);
    MEMBER(statx, stx_gid);
    MEMBER(statx, stx_mode);
    MEMBER(statx, stx_ino);
    MEMBER(statx, stx_size);
    MEMBER(statx, stx_blocks);
    MEMBER(statx, stx_attributes_mask);
    MEMBER(statx, stx_atime);
    MEMBER(statx, stx_btime);
    MEMBER(statx, stx_ctime);
    MEMBER(statx, stx_mtime);
    MEMBER(statx, stx_rdev_major);
    MEMBER(statx, stx_rdev_minor);
    MEMBER(statx, stx_dev_major);
    MEMBER(statx, stx_dev_minor);
    MEMBER(statx, stx_mnt_id);

    STRUCT(statx_timestamp);
    MEMBER(statx_timestamp, tv_sec);
    MEMBER(statx_timestamp, tv_nsec);

    STRUCT(statfs64);
    MEMBER(statfs64, f_type);
    MEMBER(statfs64, f_bsize);
    MEMBER(statfs64, f_blocks);
    MEMBER(statfs64, f_bfree);
    MEMBER(statfs64, f_bavail);
    MEMBER(statfs64, f_files);
    MEMBER(statfs64, f_ffree);
    MEMBER(statfs64, f_fsid);
    MEMBER(statfs64, f_namelen);
    MEMBER(statfs64, f_frsize);
    MEMBER(statfs64, f_flags);

    STRUCT(timespec);
    MEMBER(timespec, tv_sec);
    MEMBER(timespec, tv_nsec);

    STRUCT(iovec);
    MEMBER(iovec, iov_base);
    MEMBER(iovec, iov_len);

    STRUCT(msghdr);
    MEMBER(msghdr, msg_name);
    MEMBER(msghdr, msg_namelen);
    MEMBER(msghdr, msg_iov);
    MEMBER(msghdr, msg_iovlen);
    MEMBER(msghdr, msg_control);
    MEMBER(msghdr, msg_controllen);
    MEMBER(msghdr, msg_flags);

    STRUCT(cmsghdr);
    MEMBER(cmsghdr, cmsg_len);
    MEMBER(cmsghdr, cmsg_level);
    MEMBER(cmsghdr, cmsg_type);
    /* The control buffer Libc.ReceiveFd gives recvmsg for one passed descriptor. */
    printf("CMSG_SPACE_int %zu\n", (size_t)CMSG_SPACE(sizeof(int)));

    STRUCT(pollfd);
    MEMBER(pollfd, fd);
    MEMBER(pollfd, events);
    MEMBER(pollfd, revents);

    /* getdents64 records, parsed by hand in Libc.Dirent.cs */
    STRUCT(dirent64);
    MEMBER(dirent64, d_ino);
    MEMBER(dirent64, d_off);
    MEMBER(dirent64, d_reclen);
    MEMBER(dirent64, d_type);
    PRINT_OFFSET("dirent64", struct dirent64, d_name);

    /* getxattrat/listxattrat came with Linux 6.13. */
#if HAVE_XATTR_ARGS
    STRUCT(xattr_args);
    MEMBER(xattr_args, value);
    MEMBER(xattr_args, size);
    MEMBER(xattr_args, flags);
#else
    PRINT_ABSENT("xattr_args");
#endif
#ifdef SYS_getxattrat
    PRINT_CONST(SYS_getxattrat);
    PRINT_CONST(SYS_listxattrat);
#else
    PRINT_ABSENT("SYS_getxattrat");
    PRINT_ABSENT("SYS_listxattrat");
#endif
}

static void print_constants(void)
{
    PRINT_CONST(O_RDONLY);
    PRINT_CONST(O_WRONLY);
    PRINT_CONST(O_RDWR);
    PRINT_CONST(O_ACCMODE);
    PRINT_CONST(O_CREAT);
    PRINT_CONST(O_EXCL);
    PRINT_CONST(O_NOCTTY);
    PRINT_CONST(O_TRUNC);
    PRINT_CONST(O_APPEND);
    PRINT_CONST(O_NONBLOCK);
    PRINT_CONST(O_DIRECTORY);
    PRINT_CONST(O_NOFOLLOW);
    PRINT_CONST(O_NOATIME);
    PRINT_CONST(O_CLOEXEC);
    PRINT_CONST(O_PATH);
    PRINT_CONST(O_TMPFILE);

    PRINT_CONST(AT_FDCWD);
    PRINT_CONST(AT_SYMLINK_NOFOLLOW);
    PRINT_CONST(AT_REMOVEDIR);
    PRINT_CONST(AT_SYMLINK_FOLLOW);
    PRINT_CONST(AT_NO_AUTOMOUNT);
    PRINT_CONST(AT_EMPTY_PATH);
    PRINT_CONST(UTIME_NOW);
    PRINT_CONST(UTIME_OMIT);
    PRINT_CONST(SEEK_DATA);
    PRINT_CONST(SEEK_HOLE);

    PRINT_CONST(NAME_MAX);
    PRINT_CONST(PATH_MAX);
    PRINT_CONST(XATTR_NAME_MAX);
    PRINT_CONST(XATTR_SIZE_MAX);
    PRINT_CONST(XATTR_CREATE);
    PRINT_CONST(XATTR_REPLACE);

    PRINT_UCONST(STATX_TYPE);
    PRINT_UCONST(STATX_MODE);
    PRINT_UCONST(STATX_NLINK);
    PRINT_UCONST(STATX_UID);
    PRINT_UCONST(STATX_GID);
    PRINT_UCONST(STATX_ATIME);
    PRINT_UCONST(STATX_MTIME);
    PRINT_UCONST(STATX_CTIME);
    PRINT_UCONST(STATX_INO);
    PRINT_UCONST(STATX_SIZE);
    PRINT_UCONST(STATX_BLOCKS);
    PRINT_UCONST(STATX_BASIC_STATS);
    PRINT_UCONST(STATX_BTIME);
    PRINT_UCONST(STATX_MNT_ID);

    PRINT_CONST(S_IFMT);
    PRINT_CONST(S_IFSOCK);
    PRINT_CONST(S_IFLNK);
    PRINT_CONST(S_IFREG);
    PRINT_CONST(S_IFBLK);
    PRINT_CONST(S_IFDIR);
    PRINT_CONST(S_IFCHR);
    PRINT_CONST(S_IFIFO);

    PRINT_CONST(DT_UNKNOWN);
    PRINT_CONST(DT_FIFO);
    PRINT_CONST(DT_CHR);
    PRINT_CONST(DT_DIR);
    PRINT_CONST(DT_BLK);
    PRINT_CONST(DT_REG);
    PRINT_CONST(DT_LNK);
    PRINT_CONST(DT_SOCK);

    PRINT_CONST(POLLIN);
    PRINT_CONST(POLLERR);
    PRINT_CONST(POLLHUP);
    PRINT_CONST(POLLNVAL);

    PRINT_CONST(LOCK_SH);
    PRINT_CONST(LOCK_EX);
    PRINT_CONST(LOCK_NB);
    PRINT_CONST(LOCK_UN);

    PRINT_UCONST(MS_RDONLY);
    PRINT_UCONST(MS_NOSUID);
    PRINT_UCONST(MS_NODEV);
    PRINT_UCONST(MS_NOEXEC);
    PRINT_UCONST(MS_NOATIME);
    PRINT_CONST(MNT_FORCE);
    PRINT_CONST(MNT_DETACH);
    PRINT_CONST(UMOUNT_NOFOLLOW);

    PRINT_CONST(SIGINT);
    PRINT_CONST(SIGKILL);
    PRINT_CONST(SIGTERM);
    PRINT_CONST(F_GETFD);
    PRINT_CONST(F_SETFD);
    PRINT_CONST(F_GETFL);
    PRINT_CONST(FD_CLOEXEC);

    PRINT_CONST(AF_UNIX);
    PRINT_CONST(SOCK_STREAM);
    PRINT_CONST(SOCK_DGRAM);
    PRINT_CONST(SOCK_SEQPACKET);
    PRINT_CONST(SOCK_CLOEXEC);
    PRINT_CONST(SOL_SOCKET);
    PRINT_CONST(SCM_RIGHTS);
    PRINT_CONST(MSG_CMSG_CLOEXEC);

    PRINT_CONST(EPROTO);
    PRINT_CONST(EPERM);
    PRINT_CONST(ENOENT);
    PRINT_CONST(ESRCH);
    PRINT_CONST(EINTR);
    PRINT_CONST(EIO);
    PRINT_CONST(ENXIO);
    PRINT_CONST(E2BIG);
    PRINT_CONST(EBADF);
    PRINT_CONST(EAGAIN);
    PRINT_CONST(ENOMEM);
    PRINT_CONST(EACCES);
    PRINT_CONST(EFAULT);
    PRINT_CONST(EBUSY);
    PRINT_CONST(EEXIST);
    PRINT_CONST(EXDEV);
    PRINT_CONST(ENODEV);
    PRINT_CONST(ENOTDIR);
    PRINT_CONST(EISDIR);
    PRINT_CONST(EINVAL);
    PRINT_CONST(ENFILE);
    PRINT_CONST(EMFILE);
    PRINT_CONST(ENOTTY);
    PRINT_CONST(EFBIG);
    PRINT_CONST(ENOSPC);
    PRINT_CONST(ESPIPE);
    PRINT_CONST(EROFS);
    PRINT_CONST(EMLINK);
    PRINT_CONST(EPIPE);
    PRINT_CONST(ERANGE);
    PRINT_CONST(EDEADLK);
    PRINT_CONST(ENAMETOOLONG);
    PRINT_CONST(ENOSYS);
    PRINT_CONST(ENOTEMPTY);
    PRINT_CONST(ELOOP);
    PRINT_CONST(ENODATA);
    PRINT_CONST(EOVERFLOW);
    PRINT_CONST(EOPNOTSUPP);
    PRINT_CONST(ECONNABORTED);
    PRINT_CONST(ENOTCONN);
    PRINT_CONST(ETIMEDOUT);
    PRINT_CONST(ESTALE);
    PRINT_CONST(ECANCELED);
}

void print_libc(void)
{
    print_structs();
    print_constants();
}
