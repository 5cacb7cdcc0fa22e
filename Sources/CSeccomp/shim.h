#pragma once
#include <seccomp.h>
#include <errno.h>
#include <linux/memfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/* SCMP_ACT_ERRNO() and SCMP_SYS() are function-like macros that Swift cannot import. */
static inline uint32_t corral_scmp_act_errno(uint16_t err) { return SCMP_ACT_ERRNO(err); }
static inline uint32_t corral_scmp_act_trace(uint16_t msg) { return SCMP_ACT_TRACE(msg); }

/* An anonymous CLOEXEC file for seccomp_export_bpf to write into (memfd_create needs _GNU_SOURCE). */
static inline int corral_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC); }
