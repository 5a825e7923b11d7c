// SPDX-License-Identifier: MIT
/*
 * The supervisor's end of each worker's channel.  Nothing here blocks the
 * event loop: a message to a worker is appended to the worker's queue and
 * sent as far as the socket takes it, the rest on EPOLLOUT; a worker that
 * lets the queue grow past WORKER_OUT_MAX is replaced.  What a worker sends
 * is read when epoll says so and handled message by message.  The
 * heartbeat pings a quiet worker and replaces one that stays silent.  Only
 * wchan_await(), for start-up and the final stop, waits (bounded).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/supervisor/change.h"
#include "mcrd/supervisor/supervisor.h"
#include "mcrd/supervisor/wchan.h"

/*
 * The next whole message from ws and the data its line announces
 * ("bytes"): 1 with *ret_msg set (new reference) and *ret_data, *ret_len
 * (NULL, 0 without data; valid until chan_buf_drop() of ret_len), 0 when
 * none is complete yet.
 */
static int next_msg(struct worker_slot *ws, json_t **ret_msg, const char **ret_data,
		    size_t *ret_len)
{
	const char *data;

	while (!ws->in_msg) {
		json_t *msg;
		json_int_t n;
		int ret = chan_buf_next(&ws->in, &msg);

		if (ret == 0)
			return 0;
		if (ret < 0)
			continue;
		n = json_integer_value(json_object_get(msg, "bytes"));
		if (n <= 0) {
			*ret_msg = msg;
			*ret_data = NULL;
			*ret_len = 0;
			return 1;
		}
		ws->in_msg = msg;
		ws->in_bytes = (size_t)n;
	}
	data = chan_buf_peek(&ws->in, ws->in_bytes);
	if (!data)
		return 0;
	*ret_msg = ws->in_msg;
	*ret_data = data;
	*ret_len = ws->in_bytes;
	ws->in_msg = NULL;
	return 1;
}

static void drop_msg(struct worker_slot *ws, json_t *msg, size_t len)
{
	if (len)
		chan_buf_drop(&ws->in, len);
	json_decref(msg);
}

/*
 * Read from a worker until a message with the given key arrives or the
 * deadline passes.  Returns the value under that key (new reference), or
 * NULL on timeout or EOF.  Other messages (a late "ready") are skipped.  A
 * counters report ("final") is taken in as it arrives (stats_on_report()).
 */
json_t *wchan_await(struct supervisor *s, struct worker_slot *ws, const char *key,
		    uint64_t deadline_ns)
{
	for (;;) {
		json_t *msg, *val;
		const char *data;
		size_t len;
		char buf[65536];
		struct pollfd pfd = { .fd = ws->chan_fd, .events = POLLIN };
		uint64_t now = now_ns();
		ssize_t n;
		int ret;

		while (next_msg(ws, &msg, &data, &len) == 1) {
			val = json_object_get(msg, key);
			if (val) {
				if (data)
					stats_on_report(s, ws, val, data, len);
				json_incref(val);
				drop_msg(ws, msg, len);
				return val;
			}
			/*
			 * A report sent before the one awaited may carry the
			 * rules' image the later one leaves out: dropped, the
			 * final counters could not be read (a summary of zeros).
			 */
			val = json_object_get(msg, "stats");
			if (val && data)
				stats_on_report(s, ws, val, data, len);
			drop_msg(ws, msg, len);
		}
		if (now >= deadline_ns)
			return NULL;
		ret = poll(&pfd, 1, (int)((deadline_ns - now) / NSEC_PER_MSEC) + 1);
		if (ret < 0 && errno != EINTR)
			return NULL;
		if (ret <= 0)
			continue;
		n = recv(ws->chan_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return NULL;
		if (n > 0 && chan_buf_append(&ws->in, buf, (size_t)n) < 0)
			return NULL;
	}
}

void wchan_request(struct supervisor *s, struct worker_slot *ws, const char *cmd)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);

	if (req)
		supervisor_send(s, ws, req);
	json_decref(req);
}

/* line (len bytes) with data appended; frees line and returns NULL on ENOMEM. */
static char *realloc_append(char *line, size_t len, const char *data, size_t n)
{
	char *grown = realloc(line, len + n);

	if (!grown) {
		free(line);
		return NULL;
	}
	memcpy(grown + len, data, n);
	return grown;
}

/* Watch for room in the channel exactly while something waits to go out. */
static void chan_watch(struct supervisor *s, struct worker_slot *ws)
{
	bool wants_out = ws->out_off < ws->out_len;
	struct epoll_event ev = { .events = EPOLLIN | (wants_out ? EPOLLOUT : 0),
				  .data.u64 = TAG_CHAN + ws->id };

	if (wants_out == ws->is_out_watched || ws->chan_fd < 0)
		return;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, ws->chan_fd, &ev) == 0)
		ws->is_out_watched = wants_out;
}

/* Send what the channel takes now; the rest waits for EPOLLOUT. */
void wchan_flush(struct supervisor *s, struct worker_slot *ws)
{
	while (ws->chan_fd >= 0 && ws->out_off < ws->out_len) {
		ssize_t n = send(ws->chan_fd, ws->out + ws->out_off, ws->out_len - ws->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ws->out_off = ws->out_len;	/* gone: its pidfd tells */
			break;
		}
		ws->out_off += (size_t)n;
	}
	if (ws->out_off == ws->out_len)
		ws->out_off = ws->out_len = 0;
	chan_watch(s, ws);
}

/* Append len bytes to the worker's queue and send what the channel takes. */
static void queue_bytes(struct supervisor *s, struct worker_slot *ws, const char *data, size_t len)
{
	size_t pending = ws->out_len - ws->out_off;
	char *grown;

	if (pending + len > WORKER_OUT_MAX) {
		supervisor_kill_worker(s, ws, "does not read its channel");
		return;
	}
	if (ws->out_off > 0) {
		memmove(ws->out, ws->out + ws->out_off, pending);
		ws->out_off = 0;
		ws->out_len = pending;
	}
	grown = realloc(ws->out, ws->out_len + len);
	if (!grown) {
		log_warn("worker %u: out of memory queueing a message, dropping it", ws->id);
		return;
	}
	memcpy(grown + ws->out_len, data, len);
	ws->out = grown;
	ws->out_len += len;
	wchan_flush(s, ws);
}

void supervisor_send_data(struct supervisor *s, struct worker_slot *ws, json_t *msg,
			  const char *data, size_t len)
{
	size_t line_len;
	char *line;

	if (ws->chan_fd < 0 || ws->state != WORKER_RUNNING || ws->is_killed)
		return;
	if (data && json_object_set_new(msg, "bytes", json_integer((json_int_t)len)) < 0)
		return;
	line = chan_format(msg, &line_len);
	if (!line)
		return;
	/* Line and data in one piece: a worker killed in between gets neither. */
	if (data && !(line = realloc_append(line, line_len, data, len)))
		return;
	queue_bytes(s, ws, line, line_len + (data ? len : 0));
	free(line);
}

void supervisor_send(struct supervisor *s, struct worker_slot *ws, const json_t *msg)
{
	size_t len;
	char *line;

	if (ws->chan_fd < 0 || ws->state != WORKER_RUNNING || ws->is_killed)
		return;
	line = chan_format(msg, &len);
	if (!line)
		return;
	queue_bytes(s, ws, line, len);
	free(line);
}

void supervisor_kill_worker(struct supervisor *s, struct worker_slot *ws, const char *why)
{
	(void)s;
	if (ws->state != WORKER_RUNNING || ws->is_killed)
		return;
	log_warn("worker %u (pid %d) %s: killing it to start it afresh", ws->id, (int)ws->pid,
		 why);
	ws->is_killed = true;
	if (kill(ws->pid, SIGKILL) < 0)
		log_warn_errno(errno, "worker %u: kill", ws->id);
	/* It has no part in a change nor a stats round any more. */
	ws->txn = TXN_NONE;
	ws->is_stats_due = false;
}

/* One message from a worker, with the len bytes of data that came with it. */
static void on_worker_msg(struct supervisor *s, struct worker_slot *ws, json_t *msg,
			  const char *data, size_t len)
{
	json_t *v;

	ws->heard_ns = now_ns();
	ws->ping_ns = 0;
	if (json_object_get(msg, "ready")) {
		ws->is_ready = true;
		change_catch_up(s, ws);
	} else if ((v = json_object_get(msg, "stats"))) {
		stats_on_report(s, ws, v, data, len);
		ws->is_stats_due = false;
	} else if ((v = json_object_get(msg, "prepared"))) {
		change_on_prepared(s, ws, v);
	} else if ((v = json_object_get(msg, "committed"))) {
		change_on_committed(s, ws, v);
	}
}

/* Read what the channel holds and handle every whole message in it. */
void wchan_on_event(struct supervisor *s, struct worker_slot *ws, uint32_t events)
{
	char buf[65536];
	const char *data;
	json_t *msg;
	size_t len;
	ssize_t n;

	if (events & EPOLLOUT)
		wchan_flush(s, ws);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || ws->chan_fd < 0)
		return;
	n = recv(ws->chan_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || chan_buf_append(&ws->in, buf, (size_t)n) < 0) {
		/* Closed or garbled: stop watching; its death (pidfd, SIGCHLD) follows. */
		(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, ws->chan_fd, NULL);
		if (n != 0)
			supervisor_kill_worker(s, ws, "broke its channel");
		return;
	}
	while (next_msg(ws, &msg, &data, &len) == 1) {
		on_worker_msg(s, ws, msg, data, len);
		drop_msg(ws, msg, len);
	}
}

/*
 * Ping a worker that has been quiet; replace one that does not answer.  A
 * worker setting up (before "ready", or preparing a change) may be busy
 * for as long as that is allowed to take.
 */
void wchan_heartbeat(struct supervisor *s)
{
	uint64_t now = now_ns();
	json_t *ping = NULL;

	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		uint64_t limit = HEARTBEAT_TIMEOUT_MS * NSEC_PER_MSEC;
		char why[96];

		if (ws->state != WORKER_RUNNING || ws->is_killed)
			continue;
		if (!ws->is_ready)
			limit = supervisor_setup_ms(s->cfg, WORKER_READY_TIMEOUT_MS) * NSEC_PER_MSEC;
		else if (ws->txn == TXN_PREPARING && change_deadline(s) - ws->heard_ns > limit)
			limit = change_deadline(s) - ws->heard_ns;
		if (now - ws->heard_ns > limit) {
			(void)snprintf(why, sizeof(why), "did not answer for %llu ms",
				       (unsigned long long)((now - ws->heard_ns) / NSEC_PER_MSEC));
			supervisor_kill_worker(s, ws, why);
			continue;
		}
		if (!ws->is_ready || ws->ping_ns ||
		    now - ws->heard_ns < HEARTBEAT_INTERVAL_MS * NSEC_PER_MSEC)
			continue;
		if (!ping)
			ping = json_pack("{s:s, s:I}", "cmd", "ping", "seq", (json_int_t)now);
		if (ping) {
			ws->ping_ns = now;
			supervisor_send(s, ws, ping);
		}
	}
	json_decref(ping);
}
