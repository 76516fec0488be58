/* io_uring (linux/io_uring.h, syscall numbers from sys/syscall.h) and FUSE over io_uring (linux/fuse.h 7.42+):
 * what src/ReverseCrypt.Interop/Libc.IoUring.cs and src/ReverseCrypt.Fuse/Uring lay out by hand. */
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <linux/version.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "abi.h"

#define STRUCT(name) PRINT_SIZE(#name, struct name)
#define MEMBER(name, field) PRINT_FIELD(#name, struct name, field)

static void print_io_uring(void)
{
    PRINT_CONST(SYS_io_uring_setup);
    PRINT_CONST(SYS_io_uring_enter);
    PRINT_CONST(SYS_io_uring_register);

    STRUCT(io_sqring_offsets);
    MEMBER(io_sqring_offsets, head);
    MEMBER(io_sqring_offsets, tail);
    MEMBER(io_sqring_offsets, ring_mask);
    MEMBER(io_sqring_offsets, ring_entries);
    MEMBER(io_sqring_offsets, flags);
    MEMBER(io_sqring_offsets, dropped);
    MEMBER(io_sqring_offsets, array);
    MEMBER(io_sqring_offsets, resv1);
    /* Named resv2 before Linux 6.5 (then user_addr); printed under the newer name, which the C# mirror uses. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
    MEMBER(io_sqring_offsets, user_addr);
#else
    printf("offsetof.io_sqring_offsets.user_addr %zu\n", offsetof(struct io_sqring_offsets, resv2));
    printf("fieldsize.io_sqring_offsets.user_addr %zu\n", FIELD_SIZE(struct io_sqring_offsets, resv2));
#endif

    STRUCT(io_cqring_offsets);
    MEMBER(io_cqring_offsets, head);
    MEMBER(io_cqring_offsets, tail);
    MEMBER(io_cqring_offsets, ring_mask);
    MEMBER(io_cqring_offsets, ring_entries);
    MEMBER(io_cqring_offsets, overflow);
    MEMBER(io_cqring_offsets, cqes);
    MEMBER(io_cqring_offsets, flags);
    MEMBER(io_cqring_offsets, resv1);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
    MEMBER(io_cqring_offsets, user_addr);
#else
    printf("offsetof.io_cqring_offsets.user_addr %zu\n", offsetof(struct io_cqring_offsets, resv2));
    printf("fieldsize.io_cqring_offsets.user_addr %zu\n", FIELD_SIZE(struct io_cqring_offsets, resv2));
#endif

    STRUCT(io_uring_params);
    MEMBER(io_uring_params, sq_entries);
    MEMBER(io_uring_params, cq_entries);
    MEMBER(io_uring_params, flags);
    MEMBER(io_uring_params, sq_thread_cpu);
    MEMBER(io_uring_params, sq_thread_idle);
    MEMBER(io_uring_params, features);
    MEMBER(io_uring_params, wq_fd);
    MEMBER(io_uring_params, resv);
    MEMBER(io_uring_params, sq_off);
    MEMBER(io_uring_params, cq_off);

    STRUCT(io_uring_cqe);
    MEMBER(io_uring_cqe, user_data);
    MEMBER(io_uring_cqe, res);
    MEMBER(io_uring_cqe, flags);

    /* The submission entry is written through a byte pointer (FuseUringWorker.FillCommand); with
     * IORING_SETUP_SQE128 each entry is twice this size and the command area starts at cmd. */
    STRUCT(io_uring_sqe);
    MEMBER(io_uring_sqe, opcode);
    MEMBER(io_uring_sqe, fd);
    MEMBER(io_uring_sqe, cmd_op);
    MEMBER(io_uring_sqe, addr);
    MEMBER(io_uring_sqe, len);
    MEMBER(io_uring_sqe, user_data);
    PRINT_OFFSET("io_uring_sqe", struct io_uring_sqe, cmd);

    PRINT_UCONST(IORING_SETUP_SQE128);
    PRINT_UCONST(IORING_SETUP_SINGLE_ISSUER);
    PRINT_UCONST(IORING_SETUP_DEFER_TASKRUN);
    PRINT_UCONST(IORING_FEAT_SINGLE_MMAP);
    PRINT_UCONST(IORING_ENTER_GETEVENTS);
    PRINT_UCONST(IORING_OFF_SQ_RING);
    PRINT_UCONST(IORING_OFF_CQ_RING);
    PRINT_UCONST(IORING_OFF_SQES);
    PRINT_CONST(IORING_OP_URING_CMD);

    PRINT_CONST(PROT_READ);
    PRINT_CONST(PROT_WRITE);
    PRINT_CONST(MAP_SHARED);
    PRINT_CONST(MAP_POPULATE);
}

static void print_fuse_uring(void)
{
    /* FUSE over io_uring came with protocol 7.42 (Linux 6.14); older headers have none of it. */
#ifdef FUSE_URING_IN_OUT_HEADER_SZ
    PRINT_CONST(FUSE_URING_IN_OUT_HEADER_SZ);
    PRINT_CONST(FUSE_URING_OP_IN_OUT_SZ);
    STRUCT(fuse_uring_req_header);
    MEMBER(fuse_uring_req_header, in_out);
    MEMBER(fuse_uring_req_header, op_in);
    MEMBER(fuse_uring_req_header, ring_ent_in_out);
    STRUCT(fuse_uring_ent_in_out);
    MEMBER(fuse_uring_ent_in_out, flags);
    MEMBER(fuse_uring_ent_in_out, commit_id);
    MEMBER(fuse_uring_ent_in_out, payload_sz);
    /* Where the kernel reads and writes the payload size inside the 288-byte header block. */
    printf("fuse_uring.payload_sz_offset %zu\n",
           offsetof(struct fuse_uring_req_header, ring_ent_in_out) + offsetof(struct fuse_uring_ent_in_out, payload_sz));
    STRUCT(fuse_uring_cmd_req);
    MEMBER(fuse_uring_cmd_req, flags);
    MEMBER(fuse_uring_cmd_req, commit_id);
    MEMBER(fuse_uring_cmd_req, qid);
    PRINT_CONST(FUSE_IO_URING_CMD_REGISTER);
    PRINT_CONST(FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
#else
    PRINT_ABSENT("fuse_uring_req_header");
#endif
}

void print_uring(void)
{
    print_io_uring();
    print_fuse_uring();
}
