// SPDX-License-Identifier: MIT
/*
 * AF_XDP ingress for one input interface; see xsk.h.  The BPF object comes
 * from xdp_prog.c (the clang-built program, embedded); the socket and its
 * rings from libxdp's xsk API, with libxdp's own program load inhibited:
 * we attach ours and put the socket into its XSK map ourselves.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/if_xdp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "bpf/xdp_key.h"
#include "common/addr.h"
#include "common/log.h"
#include "mcrd/dataplane/xdp_prog.h"
#include "mcrd/dataplane/xsk.h"

_Static_assert(XSK_FRAME_SIZE - XDP_PACKET_HEADROOM == XDP_FRAME_MAX,
	       "the program passes on what a UMEM frame cannot hold");

struct xsk_port {
	struct bpf_object *obj;
	struct bpf_link *link;		/* the attachment; closing it detaches */
	int rules_fd;
	int xsks_fd;
	void *area;			/* the UMEM: XSK_FRAMES frames */
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_cons rx;
	uint32_t rx_first;		/* the first frame of the last peek */
	uint64_t drops_seen;		/* XDP_STATISTICS' total at the last xsk_port_drops() */
	bool is_armed;
	bool is_starved;
};

/* libbpf's messages (the verifier's log among them) are for debugging only. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libbpf: %s", line);
	return 0;
}

static int load_program(struct xsk_port *x, unsigned int ifindex)
{
	struct bpf_program *prog;
	int ret;

	(void)libbpf_set_print(libbpf_log);

	x->obj = bpf_object__open_mem(xdp_prog_obj(), xdp_prog_obj_len(), NULL);
	if (!x->obj)
		return -errno;
	ret = bpf_object__load(x->obj);
	if (ret < 0)
		return ret;
	prog = bpf_object__find_program_by_name(x->obj, "xdp_relay");
	x->rules_fd = bpf_object__find_map_fd_by_name(x->obj, "rules");
	x->xsks_fd = bpf_object__find_map_fd_by_name(x->obj, "xsks");
	if (!prog || x->rules_fd < 0 || x->xsks_fd < 0)
		return -ENOENT;
	x->link = bpf_program__attach_xdp(prog, (int)ifindex);
	if (!x->link)
		return -errno;
	return 0;
}

/* Hand every UMEM frame to the kernel: the fill ring holds them all. */
static int fill_all(struct xsk_port *x)
{
	uint32_t idx;

	if (xsk_ring_prod__reserve(&x->fq, XSK_FRAMES, &idx) != XSK_FRAMES)
		return -ENOSPC;
	for (uint32_t i = 0; i < XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x->fq, idx + i) = (uint64_t)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&x->fq, XSK_FRAMES);
	return 0;
}

static int open_socket(struct xsk_port *x, const char *ifname)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = XSK_FRAMES,
		.comp_size = XSK_FRAMES,
		.frame_size = XSK_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	/* The kernel chooses: zero-copy where the driver offers it, copy elsewhere. */
	const struct xsk_socket_config scfg = {
		.rx_size = XSK_RX_SIZE,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = 0,
	};
	size_t len = (size_t)XSK_FRAMES * XSK_FRAME_SIZE;
	int ret;

	x->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return -errno;
	}
	ret = xsk_umem__create(&x->umem, x->area, len, &x->fq, &x->cq, &ucfg);
	if (ret < 0)
		return ret;
	ret = xsk_socket__create(&x->sock, ifname, 0, x->umem, &x->rx, NULL, &scfg);
	if (ret < 0)
		return ret;
	ret = fill_all(x);
	if (ret < 0)
		return ret;
	return xsk_socket__update_xskmap(x->sock, x->xsks_fd);
}

/* Undo open_socket(), so that it can be tried again from the start. */
static void close_socket(struct xsk_port *x)
{
	if (x->sock)
		xsk_socket__delete(x->sock);
	if (x->umem)
		(void)xsk_umem__delete(x->umem);
	if (x->area)
		(void)munmap(x->area, (size_t)XSK_FRAMES * XSK_FRAME_SIZE);
	x->sock = NULL;
	x->umem = NULL;
	x->area = NULL;
}

/*
 * open_socket(), waiting out a queue that is still busy: the pool of a
 * socket whose process just died (a worker killed and replaced at once) is
 * let go of by a kernel work item a moment after the process is gone, and
 * binding to the queue meanwhile fails with EBUSY.  Bounded, and only paid
 * in that case.
 */
static int open_socket_waiting(struct xsk_port *x, const char *ifname)
{
	const struct timespec pause = { .tv_sec = 0, .tv_nsec = XSK_BUSY_WAIT_MS * 1000000L };
	int err;

	for (unsigned int tries = 1;; tries++) {
		err = open_socket(x, ifname);
		if (err != -EBUSY || tries >= XSK_BUSY_TRIES)
			return err;
		close_socket(x);
		/* An interrupted pause only makes the next try come sooner. */
		(void)nanosleep(&pause, NULL);
	}
}

int xsk_port_open(struct xsk_port **ret, unsigned int ifindex, const char *ifname)
{
	struct xsk_port *x = calloc(1, sizeof(*x));
	uint32_t prog_id = 0;
	int err;

	*ret = NULL;
	if (!x)
		return -ENOMEM;
	x->rules_fd = x->xsks_fd = -1;
	/*
	 * Held already (by another worker, usually): say so without loading
	 * and verifying a program only to see its attach refused, which every
	 * change would otherwise cost each worker that does not own the input.
	 */
	if (bpf_xdp_query_id((int)ifindex, 0, &prog_id) == 0 && prog_id != 0) {
		xsk_port_free(x);
		return -EBUSY;
	}
	err = load_program(x, ifindex);
	if (err == -EBUSY || err == -EEXIST) {
		xsk_port_free(x);
		return -EBUSY;
	}
	if (err < 0) {
		log_err_errno(err, "%s: cannot load and attach the XDP program (needs CAP_BPF, "
				   "CAP_PERFMON and CAP_NET_ADMIN, and a driver with XDP); "
				   "relaying it through the packet socket",
			      ifname);
		goto out_free;
	}
	err = open_socket_waiting(x, ifname);
	if (err < 0) {
		log_err_errno(err, "%s: cannot open the AF_XDP socket on queue 0 (needs AF_XDP "
				   "allowed, CAP_NET_RAW and CAP_IPC_LOCK or a larger "
				   "RLIMIT_MEMLOCK); relaying it through the packet socket",
			      ifname);
		goto out_free;
	}
	*ret = x;
	return 0;

out_free:
	xsk_port_free(x);
	return err;
}

void xsk_port_free(struct xsk_port *x)
{
	if (!x)
		return;
	/* The program first: no frame may be redirected to a socket going away. */
	if (x->link)
		(void)bpf_link__destroy(x->link);
	close_socket(x);
	if (x->obj)
		bpf_object__close(x->obj);
	free(x);
}

/* An address into a key's 16 bytes: an IPv4 one fills the first 4, none leaves zeros. */
static void key_addr(uint8_t dst[16], const struct mcr_addr *a)
{
	if (a->family == AF_INET6)
		memcpy(dst, &a->v6, sizeof(a->v6));
	else if (a->family == AF_INET)
		memcpy(dst, &a->v4, sizeof(a->v4));
}

static struct xdp_rule_key rule_key(const struct mcr_rule *r)
{
	struct xdp_rule_key k;

	memset(&k, 0, sizeof(k));
	k.vlan = r->in_vlan;
	k.port = htons(r->in_port);
	k.family = (uint8_t)r->in_group.family;
	key_addr(k.group, &r->in_group);
	key_addr(k.source, &r->in_source);
	return k;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xdp_rule_key));
}

/* Remove the map's keys that are not in want[0..n) (sorted). */
static int delete_stale(struct xsk_port *x, const struct xdp_rule_key *want, size_t n)
{
	struct xdp_rule_key *stale = calloc(XDP_RULES_MAX, sizeof(*stale));
	struct xdp_rule_key k, next;
	size_t n_stale = 0;
	const void *prev = NULL;
	int ret = 0;

	if (!stale)
		return -ENOMEM;
	/* Collected first: deleting while walking would restart the walk. */
	while (n_stale < XDP_RULES_MAX && bpf_map_get_next_key(x->rules_fd, prev, &next) == 0) {
		if (!bsearch(&next, want, n, sizeof(*want), cmp_key))
			stale[n_stale++] = next;
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(x->rules_fd, &stale[i]) < 0 && errno != ENOENT && !ret)
			ret = -errno;
	free(stale);
	return ret;
}

int xsk_port_set_rules(struct xsk_port *x, const struct mcr_config *cfg, unsigned int ifindex)
{
	struct xdp_rule_key *want = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*want));
	const uint32_t one = 1;
	size_t n = 0;
	int ret;

	if (!want)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++)
		if (cfg->rules[r].in_ifindex == ifindex)
			want[n++] = rule_key(&cfg->rules[r]);
	qsort(want, n, sizeof(*want), cmp_key);
	ret = delete_stale(x, want, n);
	for (size_t i = 0; i < n && ret == 0; i++)
		if (bpf_map_update_elem(x->rules_fd, &want[i], &one, BPF_ANY) < 0)
			ret = -errno;
	free(want);
	return ret;
}

int xsk_port_fd(const struct xsk_port *x)
{
	return xsk_socket__fd(x->sock);
}

unsigned int xsk_port_peek(struct xsk_port *x, unsigned int max, uint32_t *ret_idx)
{
	unsigned int n = xsk_ring_cons__peek(&x->rx, max, ret_idx);

	if (n)
		x->rx_first = *ret_idx;
	return n;
}

const uint8_t *xsk_port_frame(const struct xsk_port *x, uint32_t idx, uint32_t *ret_len)
{
	const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx);

	*ret_len = d->len;
	return xsk_umem__get_data(x->area, d->addr);
}

/*
 * The frames go back to the fill ring as they came: their data has been
 * copied out, so a frame can take the next arrival at once.
 */
void xsk_port_release(struct xsk_port *x, unsigned int n)
{
	uint32_t fidx;

	if (n == 0)
		return;
	/* The fill ring holds every frame we do not: room for n is certain. */
	if (xsk_ring_prod__reserve(&x->fq, n, &fidx) == n) {
		for (unsigned int i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, x->rx_first + i);

			*xsk_ring_prod__fill_addr(&x->fq, fidx + i) =
				xsk_umem__extract_addr(d->addr) & ~(uint64_t)(XSK_FRAME_SIZE - 1);
		}
		xsk_ring_prod__submit(&x->fq, n);
	}
	xsk_ring_cons__release(&x->rx, n);
}

bool xsk_port_has_frame(struct xsk_port *x)
{
	return xsk_cons_nb_avail(&x->rx, 1) > 0;
}

uint64_t xsk_port_drops(struct xsk_port *x)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);
	uint64_t total, delta;

	memset(&st, 0, sizeof(st));
	if (getsockopt(xsk_port_fd(x), SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return 0;
	total = st.rx_dropped + st.rx_invalid_descs + st.rx_ring_full;
	delta = total - x->drops_seen;
	x->drops_seen = total;
	return delta;
}

bool xsk_port_is_armed(const struct xsk_port *x)
{
	return x->is_armed;
}

void xsk_port_set_armed(struct xsk_port *x, bool is_armed)
{
	x->is_armed = is_armed;
}

bool xsk_port_is_starved(const struct xsk_port *x)
{
	return x->is_starved;
}

void xsk_port_set_starved(struct xsk_port *x, bool is_starved)
{
	x->is_starved = is_starved;
}
