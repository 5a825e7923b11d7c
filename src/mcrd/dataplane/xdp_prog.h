/* SPDX-License-Identifier: MIT */
/*
 * The XDP program's BPF object (src/bpf/xdp_relay.bpf.c, built by clang at
 * build time), embedded in mcrd so that nothing is loaded from disk.
 */
#ifndef MCR_XDP_PROG_H
#define MCR_XDP_PROG_H

#include <stddef.h>

const void *xdp_prog_obj(void);
size_t xdp_prog_obj_len(void);

#endif
