// SPDX-License-Identifier: MIT
/*
 * The embedded BPF object; see xdp_prog.h.  MCR_XDP_OBJ names the object
 * file clang wrote (the Makefile passes it), and the assembler copies its
 * bytes in.
 */
#include "mcrd/dataplane/xdp_prog.h"

#ifndef MCR_XDP_OBJ
#error "MCR_XDP_OBJ must name the BPF object file"
#endif

__asm__(".pushsection .rodata\n"
	".balign 8\n"
	"mcr_xdp_obj_start:\n"
	".incbin \"" MCR_XDP_OBJ "\"\n"
	"mcr_xdp_obj_end:\n"
	".popsection\n");

extern const char mcr_xdp_obj_start[];
extern const char mcr_xdp_obj_end[];

const void *xdp_prog_obj(void)
{
	return mcr_xdp_obj_start;
}

size_t xdp_prog_obj_len(void)
{
	return (size_t)(mcr_xdp_obj_end - mcr_xdp_obj_start);
}
