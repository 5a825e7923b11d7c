// SPDX-License-Identifier: MIT
/*
 * Unit tests for the settings table: it is well formed, a value is taken or
 * refused alike (and with the same words) from the file and from the
 * command line, --help lists every setting, and the man pages document
 * every key and option, so that neither can drift from the code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/settings.h"

#ifndef MCR_TOP
#define MCR_TOP "."
#endif

/* Every entry has its names and text, and its default passes its own checks. */
static void t_table_is_sane(void **state)
{
	size_t n;
	const struct setting *t = settings_table(&n);
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	assert_true(n > 0 && n <= 32);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].key);
		assert_non_null(t[i].option);
		assert_non_null(t[i].help);
		assert_ptr_equal(settings_find_key(t[i].key), &t[i]);
		assert_ptr_equal(settings_find_option(t[i].option), &t[i]);
		if (t[i].type == SETTING_UINT || t[i].type == SETTING_INT) {
			char def[32];

			(void)snprintf(def, sizeof(def), "%lld", t[i].def);
			config_init(&cfg);
			if (settings_from_arg(&cfg, &t[i], def, &err) < 0)
				fail_msg("%s: default %s refused: %s", t[i].key, def, err.msg);
		}
		if (t[i].type == SETTING_ENUM)
			assert_non_null(t[i].names[t[i].def]);
	}
	assert_null(settings_find_key("rules"));
	assert_null(settings_find_option("config"));
}

/* Two configurations' settings are the same. */
static void assert_settings_equal(const struct mcr_config *a, const struct mcr_config *b)
{
	json_t *ja = json_object(), *jb = json_object();

	assert_int_equal(settings_to_json(a, ja), 0);
	assert_int_equal(settings_to_json(b, jb), 0);
	assert_true(json_equal(ja, jb));
	json_decref(ja);
	json_decref(jb);
}

/* The message after the setting's name ("--queue-depth: " or "queue_depth: "). */
static const char *after_name(const char *msg)
{
	const char *p = strstr(msg, ": ");

	return p ? p + 2 : msg;
}

/* A value as it would be written in the file: a number, or a string. */
static json_t *json_of(const struct setting *s, const char *v)
{
	char *end;
	long long n = strtoll(v, &end, 10);

	if (s->type != SETTING_ENUM && s->type != SETTING_STRING && *v && !*end)
		return json_integer(n);
	return json_string(v);
}

static const char *const values[] = {
	"0", "1", "7", "8", "50", "64", "99", "100", "128", "1000", "1024", "4095", "4096",
	"10000", "10001", "32768", "65536", "3600000", "3600001", "1073741825", "-1",
	"abc", "1e3", "", "auto", "l2", "udp", "ring", "multishot", "Ring",
	"9464", "127.0.0.1:9464", "0.0.0.0:80", "1.2.3.4:0", "0660", "0600", "0444", "0777",
	"01777", "mcr", "a b", "-x", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};

/*
 * The same value, from the command line and from the file: both taken with
 * the same result, or both refused with the same message after the name.
 */
static void t_cli_and_file_agree(void **state)
{
	size_t n;
	const struct setting *t = settings_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (t[i].type == SETTING_BOOL)
			continue;
		for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
			struct config_error ecli = { "" }, efile = { "" };
			struct mcr_config ccli, cfile;
			json_t *root = json_object();
			int rcli, rfile;

			config_init(&ccli);
			config_init(&cfile);
			assert_int_equal(json_object_set_new(root, t[i].key,
							     json_of(&t[i], values[v])),
					 0);
			/* As mcrd does it: each option, then the checks of them together. */
			rcli = settings_from_arg(&ccli, &t[i], values[v], &ecli);
			if (rcli == 0)
				rcli = settings_check(&ccli, 1U << i, true, &ecli);
			rfile = settings_from_json(&cfile, root, NULL, &efile);
			json_decref(root);
			if (rcli != rfile)
				fail_msg("%s = \"%s\": command line %d (%s), file %d (%s)",
					 t[i].key, values[v], rcli, ecli.msg, rfile, efile.msg);
			if (rcli < 0 && strcmp(after_name(ecli.msg), after_name(efile.msg)))
				fail_msg("%s = \"%s\": \"%s\" against \"%s\"", t[i].key, values[v],
					 ecli.msg, efile.msg);
			if (rcli == 0)
				assert_settings_equal(&ccli, &cfile);
		}
	}
}

/* The bug this table fixed: the command line took 1, the file did not. */
static void t_stats_interval_1(void **state)
{
	const struct setting *s = settings_find_option("stats-interval");
	struct config_error err;
	struct mcr_config cfg;
	json_t *root = json_pack("{s:i}", "stats_interval_ms", 1);

	(void)state;
	config_init(&cfg);
	assert_int_equal(cfg.stats_interval_ms, 0);
	assert_int_equal(settings_from_arg(&cfg, s, "1", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--stats-interval: 1 is neither 0 (off) nor between 100 and 3600000");
	assert_int_equal(settings_from_json(&cfg, root, NULL, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "stats_interval_ms: 1 is neither 0 (off) nor between 100 and 3600000");
	json_decref(root);
}

/* send_batch above queue_depth: an error when given, lowered when only defaulted. */
static void t_send_batch_against_queue_depth(void **state)
{
	size_t n;
	const struct setting *t = settings_table(&n);
	const struct setting *qd = settings_find_key("queue_depth");
	const struct setting *sb = settings_find_key("send_batch");
	uint32_t qd_bit = 1U << (qd - t), sb_bit = 1U << (sb - t);
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(settings_from_arg(&cfg, qd, "32", &err), 0);
	assert_int_equal(settings_check(&cfg, qd_bit, true, &err), 0);
	assert_int_equal(cfg.send_batch, 32);

	config_init(&cfg);
	assert_int_equal(settings_from_arg(&cfg, qd, "32", &err), 0);
	assert_int_equal(settings_from_arg(&cfg, sb, "64", &err), 0);
	assert_int_equal(settings_check(&cfg, qd_bit | sb_bit, true, &err), -EINVAL);
	assert_string_equal(err.msg, "--send-batch: 64 is not between 1 and queue_depth (32)");
	assert_int_equal(settings_check(&cfg, qd_bit | sb_bit, false, &err), -EINVAL);
	assert_string_equal(err.msg, "send_batch: 64 is not between 1 and queue_depth (32)");
}

/* The flag form of a boolean setting gives the opposite of the default. */
static void t_flag(void **state)
{
	const struct setting *s = settings_find_option("no-igmp-join");
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	assert_non_null(s);
	config_init(&cfg);
	assert_true(cfg.igmp_join);
	assert_int_equal(settings_from_arg(&cfg, s, NULL, &err), 0);
	assert_false(cfg.igmp_join);
}

/* settings_to_json() writes what settings_from_json() reads back. */
static void t_json_round_trip(void **state)
{
	struct config_error err;
	struct mcr_config cfg, again;
	json_t *obj = json_object();

	(void)state;
	config_init(&cfg);
	cfg.queue_depth = 256;
	cfg.egress = EGRESS_UDP;
	cfg.igmp_join = false;
	cfg.stats_interval_ms = 500;
	assert_int_equal(settings_to_json(&cfg, obj), 0);
	config_init(&again);
	assert_int_equal(settings_from_json(&again, obj, NULL, &err), 0);
	assert_settings_equal(&cfg, &again);
	assert_int_equal(again.queue_depth, 256);
	assert_int_equal(again.egress, EGRESS_UDP);
	assert_false(again.igmp_join);
	assert_int_equal(again.stats_interval_ms, 500);
	json_decref(obj);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
	return buf;
}

/* roff writes "--queue-depth" as "\-\-queue\-depth": undo that. */
static void unescape_dashes(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == '-')
			continue;
		*w++ = *r;
	}
	*w = '\0';
}

/* Every key is a tagged paragraph of mcrd.conf(5); every option is in mcrd(8). */
static void t_man_pages(void **state)
{
	char *conf = read_text(MCR_TOP "/docs/man/mcrd.conf.5");
	char *mcrd = read_text(MCR_TOP "/docs/man/mcrd.8");
	size_t n;
	const struct setting *t = settings_table(&n);

	(void)state;
	unescape_dashes(conf);
	unescape_dashes(mcrd);
	for (size_t i = 0; i < n; i++) {
		char want[96];

		(void)snprintf(want, sizeof(want), ".TP\n.B %s\n", t[i].key);
		if (!strstr(conf, want))
			fail_msg("mcrd.conf.5 does not document the key %s", t[i].key);
		(void)snprintf(want, sizeof(want), "--%s", t[i].option);
		if (!strstr(mcrd, want))
			fail_msg("mcrd.8 does not document the option %s", want);
		(void)snprintf(want, sizeof(want), "--%s\n", t[i].option);
		if (t[i].arg)
			(void)snprintf(want, sizeof(want), "--%s \" %s\"", t[i].option, t[i].arg);
		if (!strstr(mcrd, want))
			fail_msg("mcrd.8 has no paragraph for the option: %s", want);
	}
	free(conf);
	free(mcrd);
}

/* --help shows every option with its argument. */
static void t_usage(void **state)
{
	char *text = NULL;
	size_t len = 0, n;
	const struct setting *t = settings_table(&n);
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	settings_usage(f);
	assert_int_equal(fclose(f), 0);
	for (size_t i = 0; i < n; i++) {
		char want[96];

		(void)snprintf(want, sizeof(want), "--%s%s%s", t[i].option, t[i].arg ? " " : "",
			       t[i].arg ? t[i].arg : "");
		if (!strstr(text, want))
			fail_msg("--help lacks %s", want);
	}
	assert_non_null(strstr(text, "default 1024"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_table_is_sane),
		cmocka_unit_test(t_cli_and_file_agree),
		cmocka_unit_test(t_stats_interval_1),
		cmocka_unit_test(t_send_batch_against_queue_depth),
		cmocka_unit_test(t_flag),
		cmocka_unit_test(t_json_round_trip),
		cmocka_unit_test(t_man_pages),
		cmocka_unit_test(t_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
