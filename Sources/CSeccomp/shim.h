#pragma once
#include <seccomp.h>
#include <errno.h>

/* SCMP_ACT_ERRNO() and SCMP_SYS() are function-like macros that Swift cannot import. */
static inline uint32_t corral_scmp_act_errno(uint16_t err) { return SCMP_ACT_ERRNO(err); }
static inline uint32_t corral_scmp_act_trace(uint16_t msg) { return SCMP_ACT_TRACE(msg); }
