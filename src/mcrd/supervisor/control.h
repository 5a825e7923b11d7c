/* SPDX-License-Identifier: MIT */
/*
 * The control socket server: a UNIX stream socket speaking the protocol in
 * common/proto.h.  It owns the listening socket, every client connection
 * and their buffers, and an epoll fd that gathers them, so that the owner's
 * event loop (poll, epoll or io_uring alike) waits on a single descriptor.
 * Requests are validated here and handed to the owner's handler one at a
 * time, in order; the handler never sees a malformed request.  No threads,
 * and no call ever blocks: a client that sends too much, reads too little
 * or goes quiet is closed instead.
 */
#ifndef MCR_CONTROL_H
#define MCR_CONTROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "common/proto.h"

/*
 * Connections past this many get a too_many_clients error and are closed.
 * The last one is kept for root (admin_uid): a local user who fills the
 * others cannot lock the administrator out.
 */
#define MCR_CONTROL_MAX_CLIENTS	64
/*
 * A client that makes no progress this long is closed: it sends no whole
 * request (blank lines do not count, nor do pieces of a line) and reads
 * none of its answers.  Short, since each idle client holds a slot.
 */
#define CONTROL_IDLE_TIMEOUT_MS	5000
/* A client whose unread responses pass this many bytes is dropped. */
#define CONTROL_OUT_MAX		(4 << 20)

struct control_ops {
	/*
	 * Handle one valid request (its command's arguments are checked).
	 * Returns the result to send (a new reference, which the server
	 * releases), or NULL with @err filled in; @err starts out as
	 * internal/"internal error".  Called from control_dispatch(); must not
	 * call control_exit().  To answer later, call control_defer() and
	 * return NULL; the client's next requests wait until then.
	 */
	json_t *(*handle)(void *ctx, const struct proto_request *req, struct proto_error *err);
};

struct control_client;

struct control {
	int epfd;
	int listen_fd;
	bool is_bound;			/* the socket file at path is ours to unlink */
	bool is_listen_paused;		/* out of descriptors: accept again later */
	bool has_warned_full;		/* "too many clients" logged since a slot was free */
	uint64_t listen_resume_ns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct control_ops *ops;
	void *ctx;
	size_t n_clients;
	struct control_client *clients[MCR_CONTROL_MAX_CLIENTS];
	uint64_t next_serial;
	struct control_client *current;	/* whose request handle() is on */
	json_t *current_id;
	/* Limits: control_init() sets the defaults above, tests may lower them. */
	unsigned int idle_timeout_ms;
	size_t out_max;
	uid_t admin_uid;		/* whose clients may take the last slot: root */
};

/**
 * control_init() - listen on a UNIX socket
 * @c: the server, filled in here
 * @path: socket path; its parent directory is created (0755) when missing
 * @mode: permissions of the socket file, e.g. MCR_CONTROL_MODE
 * @ops: the request handler (must outlive @c)
 * @ctx: passed to @ops->handle
 *
 * Refuses to take over a socket another daemon answers on, replaces a stale
 * one, and refuses a path that exists and is not a socket.  Logs the reason
 * of a failure once.
 *
 * Returns 0, -EADDRINUSE when a server answers on @path, -EEXIST when @path
 * is not a socket, -ENAMETOOLONG, or another negative errno.  control_exit()
 * is safe after a failure.
 */
int control_init(struct control *c, const char *path, mode_t mode, const struct control_ops *ops,
		 void *ctx);

/*
 * Close every client (after one last non-blocking attempt to send what
 * they have not read yet), the listening socket and the epoll fd, and
 * remove the socket file.  Idempotent.
 */
void control_exit(struct control *c);
/*
 * In a forked child: close the inherited descriptors without touching what
 * the parent shares (the socket file, the epoll registrations) and without
 * sending anything.
 */
void control_forget(struct control *c);

/*
 * From inside ops->handle: the answer to the request being handled comes
 * later, through control_reply() with the ticket returned (0 outside a
 * handler).  The client is not timed out meanwhile.
 */
uint64_t control_defer(struct control *c);
/*
 * Send the deferred answer of ticket: result (not consumed) when not NULL,
 * otherwise err.  A ticket whose client has gone is ignored.  Not to be
 * called from inside ops->handle.
 */
void control_reply(struct control *c, uint64_t ticket, json_t *result,
		   const struct proto_error *err);

/* Readable whenever control_dispatch() has work. */
int control_fd(const struct control *c);

/*
 * Milliseconds until the earliest client deadline (bound the owner's wait
 * by it, then call control_dispatch()), or -1 when there is none.
 */
int control_next_timeout_ms(const struct control *c);

/*
 * Accept, read, answer and write whatever is ready, without blocking, and
 * close clients past their deadline.  Returns 0, or a negative errno when
 * the epoll fd itself failed.
 */
int control_dispatch(struct control *c);

#endif
