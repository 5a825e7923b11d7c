// SPDX-License-Identifier: MIT
/*
 * Unit tests for an output's "when": the JSON field and the shorthand's
 * when=, their errors, the round trip through the file's form and the
 * workers' image, and config_drop_idle() (what the workers relay).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgwire.h"
#include "config/config.h"

static const char *const two_rules =
	"{\"rules\": ["
	" {\"name\": \"a\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\"},"
	"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.2.2.2\", \"when\": \"joined\"},"
	"               {\"interface\": \"lo\", \"group\": \"239.2.2.3\"}]},"
	" {\"name\": \"b\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.2\"},"
	"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.2.2.4\", \"when\": \"joined\"}]}]}";

static void t_json(void **state)
{
	struct config_error err;
	struct mcr_config cfg, back;
	json_t *j;
	char *s;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, two_rules, &err), 0);
	assert_int_equal(cfg.rules[0].outputs[0].when, WHEN_JOINED);
	assert_int_equal(cfg.rules[0].outputs[1].when, WHEN_ALWAYS);
	if (config_resolve(&cfg, &err) != 0)
		fail_msg("%s", err.msg);
	/* The file's form says "joined" and nothing of the run-time mark. */
	cfg.rules[0].outputs[0].is_joined = true;
	j = config_to_json(&cfg);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(s, "\"when\":\"joined\""));
	assert_null(strstr(s, "always"));
	assert_null(strstr(s, "is_joined"));
	config_init(&back);
	assert_int_equal(config_load_string(&back, s, &err), 0);
	assert_int_equal(back.rules[0].outputs[0].when, WHEN_JOINED);
	assert_false(back.rules[0].outputs[0].is_joined);
	free(s);
	json_decref(j);
	config_free(&back);
	config_free(&cfg);
}

static void t_errors(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg,
		"{\"rules\": [{\"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\"},"
		" \"outputs\": [{\"interface\": \"lo\", \"when\": \"sometimes\"}]}]}", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "rules[0].outputs[0].when"));
	assert_non_null(strstr(err.msg, "\"sometimes\""));
	config_free(&cfg);
	/* A unicast output cannot follow listeners. */
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "u=lo,239.1.1.1 -> lo,198.18.0.9,when=joined",
					      &err), 0);
	assert_int_equal(config_resolve(&cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "rule \"u\": output 1 (lo)"));
	assert_non_null(strstr(err.msg, "multicast"));
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1 -> lo,when=later", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "when=\"later\""));
	config_free(&cfg);
}

static void t_shorthand(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg,
		"x=lo,239.1.1.1:5000 -> lo,239.2.2.2:6000,when=joined,ttl=4; lo,239.3.3.3", &err), 0);
	assert_int_equal(cfg.rules[0].outputs[0].when, WHEN_JOINED);
	assert_int_equal(cfg.rules[0].outputs[0].ttl, 4);
	assert_int_equal(cfg.rules[0].outputs[1].when, WHEN_ALWAYS);
	config_free(&cfg);
}

static void t_drop_idle(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, two_rules, &err), 0);
	/* Nobody listens: a's joined output goes, b goes whole. */
	assert_int_equal(config_drop_idle(&cfg), 2);
	assert_int_equal(cfg.n_rules, 1);
	assert_string_equal(cfg.rules[0].name, "a");
	assert_int_equal(cfg.rules[0].n_outputs, 1);
	assert_int_equal(cfg.rules[0].outputs[0].group.v4.s_addr, inet_addr("239.2.2.3"));
	config_free(&cfg);
	/* b's listeners are there: everything else stays as it was. */
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, two_rules, &err), 0);
	cfg.rules[1].outputs[0].is_joined = true;
	assert_int_equal(config_drop_idle(&cfg), 1);
	assert_int_equal(cfg.n_rules, 2);
	assert_string_equal(cfg.rules[1].name, "b");
	config_free(&cfg);
}

static void t_image(void **state)
{
	struct config_error err;
	struct mcr_config cfg, back;
	size_t len, at;
	char *data;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, two_rules, &err), 0);
	cfg.rules[1].outputs[0].is_joined = true;
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), 0);
	assert_int_equal(back.rules[0].outputs[0].when, WHEN_JOINED);
	assert_false(back.rules[0].outputs[0].is_joined);
	assert_true(back.rules[1].outputs[0].is_joined);
	config_free(&back);
	/* The last output's mark, broken: refused before it is read as a bool. */
	at = len - sizeof(struct mcr_output) + offsetof(struct mcr_output, is_joined);
	data[at] = 7;
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), -EBADMSG);
	config_free(&back);
	free(data);
	config_free(&cfg);
}

/* The membership settings: defaults, and the response time within the query interval. */
static void t_igmp_settings(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_true(cfg.igmp_querier);
	assert_int_equal(cfg.igmp_query_interval_ms, 125000);
	assert_int_equal(cfg.igmp_response_ms, 10000);
	assert_int_equal(cfg.igmp_last_member_ms, 1000);
	assert_int_equal(cfg.igmp_robustness, 2);
	assert_int_equal(config_load_string(&cfg, "{\"igmp_query_interval_ms\": 5000}", &err), 0);
	/* The default response time would not fit: it follows the interval. */
	assert_int_equal(cfg.igmp_response_ms, 5000);
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, "{\"igmp_query_interval_ms\": 5000, "
						  "\"igmp_response_ms\": 9000}", &err), -EINVAL);
	assert_string_equal(err.msg, "igmp_response_ms: 9000 is not between 100 and "
				     "igmp_query_interval_ms (5000)");
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, "{\"igmp_robustness\": 8}", &err), -EINVAL);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_json),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_shorthand),
		cmocka_unit_test(t_drop_idle),
		cmocka_unit_test(t_image),
		cmocka_unit_test(t_igmp_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
