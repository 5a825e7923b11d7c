/* SPDX-License-Identifier: MIT */
/*
 * The receive path: arming each ingress port's receive on the ring (a
 * multishot receive into the buffer pool, or a poll of its TPACKET_V2
 * ring), and what a receive completion brings: count, parse, match the
 * rules in force, and hand the packet to the fan-out.  Also the ports'
 * life on the ring: their fixed file, cancelling and closing.
 */
#ifndef MCR_RX_H
#define MCR_RX_H

#include <stdbool.h>
#include <liburing.h>
#include <stddef.h>

struct dp;

/*
 * Arm port's receives that are not armed (it must have its fixed file): its
 * packet socket's and, under --ingress xdp, its AF_XDP socket's.
 */
void rx_arm(struct dp *dp, size_t port);
/*
 * Re-arm the receives that ended (for lack of buffers, usually), once
 * enough of the pool is free again; none while stopping.
 */
void rx_arm_idle(struct dp *dp);
/* Cancel port's receive, if armed: its completion ends it. */
void rx_cancel(struct dp *dp, size_t port);
/* A receive completion of port: relay what it brought. */
void rx_done(struct dp *dp, size_t port, const struct io_uring_cqe *cqe);
/* Port's AF_XDP socket is readable (--ingress xdp): relay what it holds. */
void rx_xsk_done(struct dp *dp, size_t port, const struct io_uring_cqe *cqe);
/*
 * Take the frames waiting in the receive rings and AF_XDP sockets (woken
 * since the last pass, or left by the last one for want of buffers or
 * budget): at most a budget of frames per port, once per pass of the loop.
 */
void rx_drain_pending(struct dp *dp);
/* Frames wait and buffers are free to take them: the loop must not sleep. */
bool rx_has_pending(const struct dp *dp);
/* Close the ports no longer configured whose last receive has ended. */
void rx_close_idle_ports(struct dp *dp);
/*
 * Size the receive buffers for the largest MTU of the inputs in use: after
 * every change of the inputs.  An MTU that grows later (without a change)
 * makes longer frames count as too_big until the next one.
 */
void rx_fit_buffers(struct dp *dp);

#endif
