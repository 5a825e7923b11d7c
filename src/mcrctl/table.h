/* SPDX-License-Identifier: MIT */
/*
 * A small text table for mcrctl's human output: cells are added row by
 * row, and printing sizes each column to its widest cell.  Numeric
 * columns align right.
 */
#ifndef MCRCTL_TABLE_H
#define MCRCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS	12

struct table_row;

struct table {
	size_t n_cols;
	const char *headers[TABLE_MAX_COLS];
	bool is_right[TABLE_MAX_COLS];
	size_t n_rows;
	struct table_row *rows;
	int err;		/* the first failure (-ENOMEM), reported by table_print() */
};

/*
 * @spec lists the columns as "HEADER" (left-aligned) or ">HEADER" (right),
 * NULL-terminated.  The strings must outlive the table.
 */
void table_init(struct table *t, const char *const *spec);
void table_free(struct table *t);

/* Start a row; cells then fill it left to right (missing ones print empty). */
void table_row(struct table *t);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * An address as it goes before ":PORT": IPv6 (it has colons) in brackets,
 * "[ff3e::1]", IPv4 as it is.  Returns buf.
 */
const char *table_host(const char *addr, char *buf, size_t size);

/* Returns 0, or the first error met while filling the table. */
int table_print(const struct table *t, FILE *f);

/*
 * A rate for people, three significant digits and an SI prefix before the
 * unit: "0 pps", "950 pps", "12.3 kpps", "1.25 Mbit/s".  Returns buf.
 */
#define TABLE_RATE_MAX	24
const char *table_rate(double v, const char *unit, char buf[TABLE_RATE_MAX]);

#endif
