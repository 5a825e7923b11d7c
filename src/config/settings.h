/* SPDX-License-Identifier: MIT */
/*
 * mcrd's global settings, in one table: for each, its key in the JSON file,
 * its command-line option, its type, default and limits, and its help text.
 * The JSON loader, the command line and "mcrd --help" all read this table,
 * so a value means the same and is refused with the same words wherever it
 * is written; a unit test checks that the man pages name every entry.  Does
 * not log: errors fill a struct config_error.
 */
#ifndef MCR_SETTINGS_H
#define MCR_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

enum setting_type {
	SETTING_UINT,		/* an unsigned int field */
	SETTING_INT,		/* an int field */
	SETTING_BOOL,		/* a bool field; its option is a flag giving !default */
	SETTING_ENUM,		/* an enum field, one of names[] */
	SETTING_STRING,		/* a char[size] field, checked by check() */
	SETTING_TYPE_MAX
};

struct setting {
	const char *key;		/* in the file: "queue_depth" */
	const char *option;		/* on the command line, without "--" */
	const char *arg;		/* the option's argument in --help; NULL for a flag */
	enum setting_type type;
	size_t offset;			/* of the field in struct mcr_config */
	long long def;
	long long min, max;
	const char *zero;		/* what 0 means, when 0 is allowed; else NULL */
	bool is_pow2;
	const char *max_key;		/* a setting that also bounds it, named in messages */
	const char *const *names;	/* SETTING_ENUM: by value, NULL-terminated */
	const char *help;		/* one or more lines, without the default */
	/* SETTING_STRING: the field's size, default, check and what it expects. */
	size_t size;
	const char *def_str;
	int (*check)(const char *value);
	const char *expect;
};

/* The table, and its length (at most 32 entries: a uint32_t has a bit for each). */
const struct setting *settings_table(size_t *ret_n);
const struct setting *settings_find_key(const char *key);
const struct setting *settings_find_option(const char *option);

/* Every setting of cfg to its default. */
void settings_init(struct mcr_config *cfg);

/*
 * The settings in the JSON object @root (other keys are the caller's), then
 * settings_check(); *ret_given gets a bit per setting found (may be NULL).
 */
int settings_from_json(struct mcr_config *cfg, json_t *root, uint32_t *ret_given,
		       struct config_error *err);
/* One setting from its command-line argument (NULL for a flag). */
int settings_from_arg(struct mcr_config *cfg, const struct setting *s, const char *arg,
		      struct config_error *err);
/*
 * What only settings together can tell: send_batch must not exceed
 * queue_depth.  When send_batch was given (its bit in @given) that is an
 * error, named as @is_cli says; otherwise send_batch is lowered to fit.
 */
int settings_check(struct mcr_config *cfg, uint32_t given, bool is_cli,
		   struct config_error *err);

/* Adds every setting of cfg to the JSON object @obj; 0 or -ENOMEM. */
int settings_to_json(const struct mcr_config *cfg, json_t *obj);

/*
 * One option of "mcrd --help": head ("  -c, --config FILE") padded to the
 * help column, then help, one line per '\n', each indented to the column.
 */
void settings_usage_line(FILE *f, const char *head, const char *help);
/* The options' lines of "mcrd --help", with each default. */
void settings_usage(FILE *f);

#endif
