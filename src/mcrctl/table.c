// SPDX-License-Identifier: MIT
/*
 * Text tables for mcrctl.  Rows are kept until printing because a column's
 * width is only known once every cell is in; cells are copied, so callers
 * may format into stack buffers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcrctl/table.h"

struct table_row {
	size_t n_cells;
	char *cells[TABLE_MAX_COLS];
};

void table_init(struct table *t, const char *const *spec)
{
	*t = (struct table){ 0 };
	for (; spec[t->n_cols] && t->n_cols < TABLE_MAX_COLS; t->n_cols++) {
		const char *h = spec[t->n_cols];

		t->is_right[t->n_cols] = h[0] == '>';
		t->headers[t->n_cols] = h[0] == '>' ? h + 1 : h;
	}
}

void table_free(struct table *t)
{
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->rows[r].n_cells; c++)
			free(t->rows[r].cells[c]);
	free(t->rows);
	*t = (struct table){ 0 };
}

void table_row(struct table *t)
{
	struct table_row *grown;

	if (t->err)
		return;
	grown = realloc(t->rows, (t->n_rows + 1) * sizeof(*t->rows));
	if (!grown) {
		t->err = -ENOMEM;
		return;
	}
	t->rows = grown;
	t->rows[t->n_rows++] = (struct table_row){ 0 };
}

void table_cell(struct table *t, const char *fmt, ...)
{
	struct table_row *row;
	va_list ap;
	char *s;
	int n;

	if (t->err || t->n_rows == 0)
		return;
	row = &t->rows[t->n_rows - 1];
	if (row->n_cells >= t->n_cols) {
		t->err = -E2BIG;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->err = -ENOMEM;
		return;
	}
	row->cells[row->n_cells++] = s;
}

static void print_cell(FILE *f, const char *s, size_t width, bool is_right, bool is_last)
{
	if (is_right)
		(void)fprintf(f, "%*s", (int)width, s);
	else if (is_last)
		(void)fputs(s, f);
	else
		(void)fprintf(f, "%-*s", (int)width, s);
	if (!is_last)
		(void)fputs("  ", f);
}

int table_print(const struct table *t, FILE *f)
{
	size_t width[TABLE_MAX_COLS] = { 0 };

	if (t->err)
		return t->err;
	for (size_t c = 0; c < t->n_cols; c++)
		width[c] = strlen(t->headers[c]);
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->rows[r].n_cells; c++)
			if (strlen(t->rows[r].cells[c]) > width[c])
				width[c] = strlen(t->rows[r].cells[c]);
	for (size_t c = 0; c < t->n_cols; c++)
		print_cell(f, t->headers[c], width[c], t->is_right[c], c + 1 == t->n_cols);
	(void)fputc('\n', f);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++)
			print_cell(f, c < t->rows[r].n_cells ? t->rows[r].cells[c] : "", width[c],
				   t->is_right[c], c + 1 == t->n_cols);
		(void)fputc('\n', f);
	}
	return 0;
}

const char *table_rate(double v, const char *unit, char buf[TABLE_RATE_MAX])
{
	static const char *const prefixes[] = { "", "k", "M", "G", "T" };
	size_t p = 0;

	if (!(v > 0)) {
		(void)snprintf(buf, TABLE_RATE_MAX, "0 %s", unit);
		return buf;
	}
	/* Three significant digits; 999.7 is "1.00 k", not "1000". */
	while (v >= 999.5 && p + 1 < sizeof(prefixes) / sizeof(prefixes[0])) {
		v /= 1000;
		p++;
	}
	if (v < 9.995)
		(void)snprintf(buf, TABLE_RATE_MAX, "%.2f %s%s", v, prefixes[p], unit);
	else if (v < 99.95)
		(void)snprintf(buf, TABLE_RATE_MAX, "%.1f %s%s", v, prefixes[p], unit);
	else
		(void)snprintf(buf, TABLE_RATE_MAX, "%.0f %s%s", v, prefixes[p], unit);
	return buf;
}

const char *table_host(const char *addr, char *buf, size_t size)
{
	(void)snprintf(buf, size, strchr(addr, ':') ? "[%s]" : "%s", addr);
	return buf;
}
