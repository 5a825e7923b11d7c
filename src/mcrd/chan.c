// SPDX-License-Identifier: MIT
/* Line framing for the supervisor-worker channel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mcrd/chan.h"

char *chan_format(const json_t *msg, size_t *ret_len)
{
	char *s = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(9));
	size_t len;
	char *line;

	if (!s)
		return NULL;
	len = strlen(s);
	line = realloc(s, len + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*ret_len = len + 1;
	return line;
}

int chan_send_raw(int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

int chan_send_json(int fd, const json_t *msg)
{
	size_t len;
	char *line = chan_format(msg, &len);
	int ret;

	if (!line)
		return -ENOMEM;
	ret = chan_send_raw(fd, line, len);
	free(line);
	return ret;
}

int chan_buf_append(struct chan_buf *b, const char *data, size_t len)
{
	if (b->len + len > CHAN_MAX_LINE)
		return -E2BIG;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *grown;

		while (cap < b->len + len)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown)
			return -ENOMEM;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int chan_buf_next(struct chan_buf *b, json_t **ret)
{
	char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
	size_t line_len;
	json_t *v;

	if (!nl)
		return 0;
	line_len = (size_t)(nl - b->data);
	v = json_loadb(b->data, line_len, 0, NULL);
	memmove(b->data, nl + 1, b->len - line_len - 1);
	b->len -= line_len + 1;
	if (!v)
		return -EBADMSG;
	*ret = v;
	return 1;
}

const char *chan_buf_peek(const struct chan_buf *b, size_t n)
{
	return b->len >= n ? b->data : NULL;
}

void chan_buf_drop(struct chan_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void chan_buf_free(struct chan_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
