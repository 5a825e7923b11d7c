// SPDX-License-Identifier: MIT
/*
 * A packet_diag dump, filtered to one socket by inode; see pktdiag.h.  The
 * kernel lists every packet socket of the namespace (packet_diag has no
 * lookup by inode), each with its ring settings when asked for them.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "mcrd/dataplane/pktdiag.h"

/* The kernel sizes a dump's messages to what the reader asked for, up to 32 KiB. */
#define PKTDIAG_BUF	32768

struct pktdiag_query {
	unsigned int ino;
	bool is_found;
	struct pktdiag_ring *ring;
};

static int ring_attr(const struct nlattr *a, void *data)
{
	struct pktdiag_query *q = data;
	struct packet_diag_ring pdr;

	if (mnl_attr_get_type(a) != PACKET_DIAG_RX_RING ||
	    mnl_attr_get_payload_len(a) < sizeof(pdr))
		return MNL_CB_OK;
	memcpy(&pdr, mnl_attr_get_payload(a), sizeof(pdr));
	q->ring->block_size = pdr.pdr_block_size;
	q->ring->block_nr = pdr.pdr_block_nr;
	q->ring->frame_size = pdr.pdr_frame_size;
	q->ring->frame_nr = pdr.pdr_frame_nr;
	q->is_found = true;
	return MNL_CB_STOP;
}

static int socket_msg(const struct nlmsghdr *nlh, void *data)
{
	struct pktdiag_query *q = data;
	const struct packet_diag_msg *m = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || m->pdiag_ino != q->ino)
		return MNL_CB_OK;
	(void)mnl_attr_parse(nlh, sizeof(*m), ring_attr, q);
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, struct pktdiag_query *q)
{
	char buf[PKTDIAG_BUF];
	unsigned int seq = (unsigned int)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct packet_diag_req *req;
	int ret;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_PACKET;
	req->pdiag_show = PACKET_SHOW_RING_CFG;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, socket_msg, q);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int pktdiag_rx_ring(int fd, struct pktdiag_ring *ret)
{
	struct pktdiag_query q = { .ring = ret };
	struct mnl_socket *nl;
	struct stat st;
	int err;

	memset(ret, 0, sizeof(*ret));
	if (fstat(fd, &st) < 0)
		return -errno;
	q.ino = (unsigned int)st.st_ino;
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out_close;
	}
	err = dump(nl, &q);
	if (err == 0 && (!q.is_found || ret->frame_nr == 0))
		err = -ENOENT;
out_close:
	mnl_socket_close(nl);
	return err;
}
