// SPDX-License-Identifier: MIT
/*
 * The control socket server.  Each client has an input buffer that collects
 * bytes until a whole line is there, and an output buffer for responses
 * the socket would not take yet; both are bounded, so a client can cost
 * mcrd at most MCR_PROTO_MAX_LINE plus CONTROL_OUT_MAX bytes and one
 * descriptor, for at most CONTROL_IDLE_TIMEOUT_MS without progress.
 * Progress is a whole request answered or an answer read: blank lines and
 * pieces of a line do not keep a client alive, so a slot cannot be held by
 * a trickle of bytes.
 * Everything is level-triggered through one epoll fd, and every socket is
 * non-blocking, so the owner's loop is never held up by a client.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/supervisor/control.h"

/* Reads are this big; the buffer grows towards MCR_PROTO_MAX_LINE + 1 as lines need. */
#define IN_CHUNK		4096
#define IN_CAP_MAX		(MCR_PROTO_MAX_LINE + 1)
#define EVENTS_MAX		(MCR_CONTROL_MAX_CLIENTS + 1)
/* Accepts per dispatch, so that a connection storm does not starve the owner. */
#define ACCEPTS_MAX		16
/* Out of descriptors: how long the listening socket rests before accepting again. */
#define LISTEN_PAUSE_MS		1000
#define LISTEN_BACKLOG		16

struct control_client {
	int fd;
	pid_t pid;			/* the peer, for messages */
	uid_t uid;
	bool is_closing;		/* no more requests: close once the output is sent */
	bool is_eof;			/* it has sent all it will (shut down its side) */
	bool is_discarding;		/* dropping the rest of a line over the limit */
	bool has_warned;
	bool is_deferred;		/* its request is answered later, by control_reply() */
	uint32_t events;		/* what epoll watches for it */
	uint64_t serial;		/* names it in a ticket */
	json_t *deferred_id;		/* the deferred request's id */
	uint64_t deadline_ns;
	char *in;
	size_t in_len, in_cap;
	size_t in_scanned;		/* in[0..in_scanned) holds no '\n' */
	char *out;
	size_t out_off, out_len, out_cap;	/* unsent bytes are out[out_off..out_len) */
};

__attribute__((format(printf, 2, 3)))
static void client_warn(struct control_client *cl, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (cl->has_warned)
		return;
	cl->has_warned = true;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("control: client pid %ld uid %lu: %s", (long)cl->pid, (unsigned long)cl->uid,
		 msg);
}

static void client_touch(const struct control *c, struct control_client *cl)
{
	cl->deadline_ns = now_ns() + (uint64_t)c->idle_timeout_ms * NSEC_PER_MSEC;
}

static void client_free(struct control *c, size_t i)
{
	struct control_client *cl = c->clients[i];

	/*
	 * Deregister explicitly: a forked child may still hold a copy of the
	 * socket, and epoll keeps watching it (with a pointer to freed memory)
	 * until every copy is closed.
	 */
	if (c->epfd >= 0)
		(void)epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	(void)close(cl->fd);
	json_decref(cl->deferred_id);
	free(cl->in);
	free(cl->out);
	free(cl);
	c->clients[i] = c->clients[--c->n_clients];
	c->clients[c->n_clients] = NULL;
	c->has_warned_full = false;
}

static size_t client_index(const struct control *c, const struct control_client *cl)
{
	size_t i = 0;

	while (c->clients[i] != cl)
		i++;
	return i;
}

static void client_close(struct control *c, struct control_client *cl)
{
	client_free(c, client_index(c, cl));
}

/*
 * Registers for what the client needs next: reading (not while it closes
 * or waits for a deferred answer: its next request waits its turn),
 * writing, or both.
 */
static int client_update_events(struct control *c, struct control_client *cl)
{
	bool wants_write = cl->out_off < cl->out_len;
	struct epoll_event ev = { .data.ptr = cl };

	ev.events = (cl->is_closing || cl->is_deferred || cl->is_eof ? 0 : EPOLLIN) |
		    (wants_write ? EPOLLOUT : 0);
	if (ev.events == cl->events)
		return 0;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev) < 0)
		return -errno;
	cl->events = ev.events;
	return 0;
}

/*
 * Sends what the socket takes.  Returns 0, or a negative errno when the
 * client is gone (the caller closes it).
 */
static int client_flush(struct control *c, struct control_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		cl->out_off += (size_t)n;
		client_touch(c, cl);
	}
	if (cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->is_closing && cl->out_len == 0)
		return -ECONNRESET;
	return client_update_events(c, cl);
}

/*
 * Appends one response line.  Returns 0, or -ENOBUFS when the client has
 * left more than out_max bytes unread (or -ENOMEM): the caller drops it.
 */
static int client_queue(struct control *c, struct control_client *cl, char *line)
{
	size_t n, pending = cl->out_len - cl->out_off;

	if (!line)
		return -ENOMEM;
	n = strlen(line);
	if (pending > c->out_max) {
		free(line);
		client_warn(cl, "does not read its responses (%zu bytes pending), dropping it",
			    pending);
		return -ENOBUFS;
	}
	if (cl->out_off > 0) {
		memmove(cl->out, cl->out + cl->out_off, pending);
		cl->out_off = 0;
		cl->out_len = pending;
	}
	if (cl->out_len + n > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : IN_CHUNK;
		char *grown;

		while (cap < cl->out_len + n)
			cap *= 2;
		grown = realloc(cl->out, cap);
		if (!grown) {
			free(line);
			return -ENOMEM;
		}
		cl->out = grown;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, line, n);
	cl->out_len += n;
	free(line);
	return 0;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* One request line (without '\n') in, one response line queued. */
static int client_answer(struct control *c, struct control_client *cl, const char *line,
			 size_t len)
{
	struct proto_request req;
	struct proto_error err;
	json_t *result;
	char *resp;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (is_blank(line, len))
		return 0;
	client_touch(c, cl);
	if (proto_request_parse(line, len, &req, &err) < 0) {
		resp = proto_response_error(req.id, err.code, err.message);
	} else {
		err.code = PROTO_ERR_INTERNAL;
		(void)snprintf(err.message, sizeof(err.message), "internal error");
		c->current = cl;
		c->current_id = req.id;
		result = c->ops->handle(c->ctx, &req, &err);
		c->current = NULL;
		c->current_id = NULL;
		if (cl->is_deferred) {
			json_decref(result);
			proto_request_clear(&req);
			return 0;
		}
		if (result)
			resp = proto_response_ok(req.id, result);
		else
			resp = proto_response_error(req.id,
						    err.code == PROTO_OK ? PROTO_ERR_INTERNAL :
									   err.code,
						    err.message);
		json_decref(result);
	}
	proto_request_clear(&req);
	return client_queue(c, cl, resp);
}

/* Answers every complete line in the input buffer and keeps the rest. */
static int client_answer_lines(struct control *c, struct control_client *cl)
{
	size_t start = 0;
	char *nl;
	int rc = 0;

	while (!cl->is_closing && !cl->is_deferred &&
	       (nl = memchr(cl->in + cl->in_scanned, '\n', cl->in_len - cl->in_scanned))) {
		size_t end = (size_t)(nl - cl->in);

		rc = client_answer(c, cl, cl->in + start, end - start);
		if (rc < 0)
			return rc;
		start = end + 1;
		cl->in_scanned = start;
	}
	if (start > 0) {
		memmove(cl->in, cl->in + start, cl->in_len - start);
		cl->in_len -= start;
	}
	/* Behind a deferred request, the lines left are still to be read. */
	cl->in_scanned = cl->is_deferred ? 0 : cl->in_len;
	if (!cl->is_closing && !cl->is_deferred && cl->in_len >= IN_CAP_MAX) {
		/*
		 * A line longer than the limit: answer at once, drop the rest of
		 * the line as it comes, and hang up at its end.  Closing now would
		 * make the client's send fail before it reads why.
		 */
		char msg[64];

		client_warn(cl, "request line longer than %d bytes, closing", MCR_PROTO_MAX_LINE);
		cl->is_discarding = true;
		cl->in_len = cl->in_scanned = 0;
		(void)snprintf(msg, sizeof(msg), "request too large (more than %d bytes)",
			       MCR_PROTO_MAX_LINE);
		return client_queue(c, cl, proto_response_error(NULL, PROTO_ERR_TOO_LARGE, msg));
	}
	return 0;
}

/*
 * The client has sent all it will: answer every request left, the last one
 * too when it lacks its '\n' (what a half-closed "printf ... | socat" sends),
 * then close once the answers are out.  A deferred request pauses this;
 * control_reply() calls it again.
 */
static int client_finish(struct control *c, struct control_client *cl)
{
	int rc = client_answer_lines(c, cl);

	if (rc < 0 || cl->is_deferred || cl->is_closing)
		return rc;
	if (cl->in_len > 0) {
		size_t len = cl->in_len;

		cl->in_len = cl->in_scanned = 0;
		rc = client_answer(c, cl, cl->in, len);
		if (rc < 0 || cl->is_deferred)
			return rc;
	}
	cl->is_closing = true;
	return 0;
}

/* Makes room for one more read, growing towards IN_CAP_MAX. */
static int client_in_reserve(struct control_client *cl)
{
	size_t cap;
	char *grown;

	if (cl->in_cap - cl->in_len >= IN_CHUNK || cl->in_cap == IN_CAP_MAX)
		return 0;
	cap = cl->in_cap ? cl->in_cap * 2 : IN_CHUNK;
	if (cap > IN_CAP_MAX)
		cap = IN_CAP_MAX;
	grown = realloc(cl->in, cap);
	if (!grown)
		return -ENOMEM;
	cl->in = grown;
	cl->in_cap = cap;
	return 0;
}

/*
 * One read and the lines it completes.  Returns 0, or a negative errno
 * when the client is to be closed now.
 */
static int client_read(struct control *c, struct control_client *cl)
{
	ssize_t n;
	int rc;

	rc = client_in_reserve(cl);
	if (rc < 0)
		return rc;
	do {
		n = recv(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (n == 0) {
		cl->is_eof = true;
		rc = client_finish(c, cl);
		return rc < 0 ? rc : client_flush(c, cl);
	}
	if (cl->is_discarding) {
		/* Nothing read here is progress: a client that never ends the line times out. */
		if (memchr(cl->in + cl->in_len, '\n', (size_t)n)) {
			cl->is_discarding = false;
			cl->is_closing = true;
		}
		return client_flush(c, cl);
	}
	cl->in_len += (size_t)n;
	rc = client_answer_lines(c, cl);
	if (rc < 0)
		return rc;
	return client_flush(c, cl);
}

static void client_handle_event(struct control *c, struct control_client *cl, uint32_t events)
{
	int rc = 0;

	if (events & EPOLLOUT)
		rc = client_flush(c, cl);
	if (rc == 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !cl->is_closing &&
	    !cl->is_deferred && !cl->is_eof)
		rc = client_read(c, cl);
	else if (rc == 0 && (events & (EPOLLHUP | EPOLLERR)))
		rc = -ECONNRESET;	/* gone while its answer was deferred: fine */
	if (rc < 0)
		client_close(c, cl);
}

/*
 * Past the client limit: say why, without waiting for the client to read
 * it (the line is far smaller than a socket buffer).
 */
static void refuse_client(struct control *c, int fd, const struct ucred *cred)
{
	char msg[160], *line;

	if (c->n_clients < MCR_CONTROL_MAX_CLIENTS)
		(void)snprintf(msg, sizeof(msg),
			       "too many clients (%d connected; the last of %d slots is kept for root): retry later",
			       MCR_CONTROL_MAX_CLIENTS - 1, MCR_CONTROL_MAX_CLIENTS);
	else
		(void)snprintf(msg, sizeof(msg),
			       "too many clients (at most %d): retry later", MCR_CONTROL_MAX_CLIENTS);
	line = proto_response_error(NULL, PROTO_ERR_TOO_MANY_CLIENTS, msg);
	if (line) {
		(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		free(line);
	}
	(void)close(fd);
	if (!c->has_warned_full) {
		c->has_warned_full = true;
		log_warn("control: %zu clients connected, refusing pid %ld uid %lu and more until one leaves; idle ones are closed after %u ms",
			 c->n_clients, (long)cred->pid, (unsigned long)cred->uid,
			 c->idle_timeout_ms);
	}
}

/* The peer's pid and uid; an unknown peer counts as nobody's, never root's. */
static void peer_cred(int fd, struct ucred *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ret, &len) < 0)
		*ret = (struct ucred){ .pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1 };
}

/* Whether a client of @cred may have a slot: the last one only for root. */
static bool has_room(const struct control *c, const struct ucred *cred)
{
	if (c->n_clients + 1 < MCR_CONTROL_MAX_CLIENTS)
		return true;
	return c->n_clients < MCR_CONTROL_MAX_CLIENTS && cred->uid == c->admin_uid;
}

static int add_client(struct control *c, int fd, const struct ucred *cred)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct control_client *cl;

	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->fd = fd;
	cl->pid = cred->pid;
	cl->uid = cred->uid;
	client_touch(c, cl);
	cl->serial = ++c->next_serial;
	cl->events = EPOLLIN;
	ev.data.ptr = cl;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;

		free(cl);
		return rc;
	}
	c->clients[c->n_clients++] = cl;
	return 0;
}

static void pause_listening(struct control *c, int err)
{
	log_warn_errno(-err, "control: cannot accept a client, pausing for %d ms",
		       LISTEN_PAUSE_MS);
	if (epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->listen_fd, NULL) < 0)
		return;
	c->is_listen_paused = true;
	c->listen_resume_ns = now_ns() + LISTEN_PAUSE_MS * NSEC_PER_MSEC;
}

static void accept_clients(struct control *c)
{
	for (int i = 0; i < ACCEPTS_MAX; i++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred;
		int rc;

		if (fd < 0) {
			rc = -errno;
			if (rc == -EINTR || rc == -ECONNABORTED || rc == -EPROTO)
				continue;
			/* Anything but "nothing pending" would make the socket ready forever. */
			if (rc != -EAGAIN && rc != -EWOULDBLOCK)
				pause_listening(c, rc);
			return;
		}
		peer_cred(fd, &cred);
		if (!has_room(c, &cred)) {
			refuse_client(c, fd, &cred);
			continue;
		}
		rc = add_client(c, fd, &cred);
		if (rc < 0) {
			log_warn_errno(-rc, "control: cannot take a client, closing it");
			(void)close(fd);
		}
	}
}

static void resume_listening(struct control *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!c->is_listen_paused || now < c->listen_resume_ns)
		return;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->listen_fd, &ev) < 0) {
		c->listen_resume_ns = now + LISTEN_PAUSE_MS * NSEC_PER_MSEC;
		return;
	}
	c->is_listen_paused = false;
}

static void expire_clients(struct control *c, uint64_t now)
{
	size_t i = 0;

	while (i < c->n_clients) {
		struct control_client *cl = c->clients[i];

		/* A client waiting for a deferred answer waits for us, not we for it. */
		if (now < cl->deadline_ns || cl->is_deferred) {
			i++;
			continue;
		}
		if (cl->out_off < cl->out_len)
			client_warn(cl, "did not read its responses for %u ms, closing",
				    c->idle_timeout_ms);
		else if (cl->in_len > 0)
			client_warn(cl, "left a partial request for %u ms, closing",
				    c->idle_timeout_ms);
		else
			log_debug("control: client pid %ld idle for %u ms, closing",
				  (long)cl->pid, c->idle_timeout_ms);
		client_free(c, i);
	}
}

int control_dispatch(struct control *c)
{
	struct epoll_event events[EVENTS_MAX];
	uint64_t now;
	int n;

	n = epoll_wait(c->epfd, events, EVENTS_MAX, 0);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (events[i].data.ptr)
			client_handle_event(c, events[i].data.ptr, events[i].events);
		else
			accept_clients(c);
	}
	now = now_ns();
	expire_clients(c, now);
	resume_listening(c, now);
	return 0;
}

int control_next_timeout_ms(const struct control *c)
{
	uint64_t now = now_ns(), first = UINT64_MAX;

	for (size_t i = 0; i < c->n_clients; i++)
		if (!c->clients[i]->is_deferred && c->clients[i]->deadline_ns < first)
			first = c->clients[i]->deadline_ns;
	if (c->is_listen_paused && c->listen_resume_ns < first)
		first = c->listen_resume_ns;
	if (first == UINT64_MAX)
		return -1;
	if (first <= now)
		return 0;
	/* Rounded up, so that waking finds the deadline passed rather than 1 ms short. */
	return (int)((first - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
}

uint64_t control_defer(struct control *c)
{
	struct control_client *cl = c->current;

	if (!cl)
		return 0;
	cl->is_deferred = true;
	cl->deferred_id = json_incref(c->current_id);
	return cl->serial;
}

static struct control_client *client_by_serial(const struct control *c, uint64_t serial)
{
	for (size_t i = 0; i < c->n_clients; i++)
		if (c->clients[i]->serial == serial)
			return c->clients[i];
	return NULL;
}

void control_reply(struct control *c, uint64_t ticket, json_t *result,
		   const struct proto_error *err)
{
	struct control_client *cl = client_by_serial(c, ticket);
	char *resp;
	int rc;

	if (!cl || !cl->is_deferred)
		return;
	if (result)
		resp = proto_response_ok(cl->deferred_id, result);
	else
		resp = proto_response_error(cl->deferred_id,
					    err->code == PROTO_OK ? PROTO_ERR_INTERNAL : err->code,
					    err->message);
	json_decref(cl->deferred_id);
	cl->deferred_id = NULL;
	cl->is_deferred = false;
	client_touch(c, cl);
	rc = client_queue(c, cl, resp);
	/* Requests that arrived meanwhile are next, in order. */
	if (rc == 0)
		rc = cl->is_eof ? client_finish(c, cl) : client_answer_lines(c, cl);
	if (rc == 0)
		rc = client_flush(c, cl);
	if (rc < 0)
		client_close(c, cl);
}

int control_fd(const struct control *c)
{
	return c->epfd;
}

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Whether another server answers on the path: a live socket is refused, a
 * stale one (nobody listening) is removed, and anything that is not a
 * socket is left alone and refused.
 */
static int take_path(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control: %s exists and is not a socket, refusing to replace it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc < 0 ? -errno : 0;
	(void)close(fd);
	if (rc == 0) {
		log_err("control: another server (mcrd?) is listening on %s; stop it first or use another socket path",
			path);
		return -EADDRINUSE;
	}
	if (rc != -ECONNREFUSED)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int control_init(struct control *c, const char *path, mode_t mode, const struct control_ops *ops,
		 void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_umask;
	int rc;

	*c = (struct control){
		.epfd = -1,
		.listen_fd = -1,
		.ops = ops,
		.ctx = ctx,
		.idle_timeout_ms = CONTROL_IDLE_TIMEOUT_MS,
		.out_max = CONTROL_OUT_MAX,
		.admin_uid = 0,
	};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control: socket path %s is longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	(void)snprintf(c->path, sizeof(c->path), "%s", path);

	rc = make_parent_dir(path);
	if (rc < 0) {
		log_err_errno(rc, "control: cannot create the directory of %s", path);
		return rc;
	}
	rc = take_path(path, &sa);
	if (rc < 0) {
		if (rc != -EADDRINUSE && rc != -EEXIST)
			log_err_errno(rc, "control: cannot use %s", path);
		return rc;
	}

	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		rc = -errno;
		goto out_log;
	}
	/* The umask makes the file right from the start; chmod makes sure of it. */
	old_umask = umask(~mode & 0777);
	rc = bind(c->listen_fd, (const struct sockaddr *)&sa, sizeof(sa));
	if (rc < 0)
		rc = -errno;
	(void)umask(old_umask);
	if (rc < 0)
		goto out_log;
	c->is_bound = true;
	if (chmod(path, mode) < 0 || listen(c->listen_fd, LISTEN_BACKLOG) < 0) {
		rc = -errno;
		goto out_log;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->listen_fd, &ev) < 0) {
		rc = -errno;
		goto out_log;
	}
	return 0;

out_log:
	log_err_errno(rc, "control: cannot listen on %s", path);
	return rc;
}

void control_exit(struct control *c)
{
	while (c->n_clients > 0) {
		struct control_client *cl = c->clients[c->n_clients - 1];

		if (cl->out_off < cl->out_len)
			(void)send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				   MSG_NOSIGNAL | MSG_DONTWAIT);
		client_free(c, c->n_clients - 1);
	}
	if (c->listen_fd >= 0)
		(void)close(c->listen_fd);
	c->listen_fd = -1;
	if (c->is_bound)
		(void)unlink(c->path);
	c->is_bound = false;
	if (c->epfd >= 0)
		(void)close(c->epfd);
	c->epfd = -1;
}

void control_forget(struct control *c)
{
	/*
	 * In a forked child: close our copies of every descriptor so that a
	 * client sees EOF when the supervisor closes its end, but leave the
	 * socket file, which belongs to the supervisor.  The epoll instance is
	 * shared with the supervisor, so it goes first: deregistering a client
	 * from here would deregister it for the supervisor too.
	 */
	if (c->epfd >= 0)
		(void)close(c->epfd);
	c->epfd = -1;
	c->is_bound = false;
	while (c->n_clients > 0)
		client_free(c, c->n_clients - 1);
	control_exit(c);
}
