// SPDX-License-Identifier: MIT
/*
 * Unit tests for a rule's "downstream" list: the JSON forms (array and
 * object) and the shorthand's downstream=, the expansion into "when":
 * "joined" outputs, the refusals, the round trip through the file's form
 * and the workers' image, and what waits and what is idle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgwire.h"
#include "config/config.h"

/* Interfaces no test machine has: the list may name interfaces to come. */
static const char *const mixed =
	"{\"rules\": ["
	" {\"name\": \"tv\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\","
	"  \"port\": 5000},"
	"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.2.2.2\"}],"
	"  \"downstream\": [\"mcrds-a\", \"mcrds-b\"]},"
	" {\"name\": \"radio\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.2\"},"
	"  \"downstream\": {\"interfaces\": [\"mcrds-a\"], \"ttl\": 7, \"group\": \"239.3.3.3\"}}]}";

static void load_ok(struct mcr_config *cfg, const char *json)
{
	struct config_error err;

	config_init(cfg);
	if (config_load_string(cfg, json, &err) != 0)
		fail_msg("%s", err.msg);
}

/* Loading @json fails with -EINVAL and a message holding each of @want (NULL-ended). */
static void load_refused(const char *json, ...)
{
	struct config_error err;
	struct mcr_config cfg;
	const char *want;
	va_list ap;

	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, json, &err), -EINVAL);
	va_start(ap, json);
	while ((want = va_arg(ap, const char *)))
		if (!strstr(err.msg, want))
			fail_msg("\"%s\" not in \"%s\"", want, err.msg);
	va_end(ap);
	config_free(&cfg);
}

static void shorthand_refused(const char *spec, const char *want)
{
	struct config_error err;
	struct mcr_config cfg;

	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, spec, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("\"%s\" not in \"%s\"", want, err.msg);
	config_free(&cfg);
}

static void t_expand(void **state)
{
	struct mcr_config cfg;
	const struct mcr_output *o;

	(void)state;
	load_ok(&cfg, mixed);
	assert_int_equal(cfg.rules[0].n_outputs, 3);
	o = cfg.rules[0].outputs;
	assert_false(o[0].is_downstream);
	assert_int_equal(o[0].when, WHEN_ALWAYS);
	assert_string_equal(o[1].ifname, "mcrds-a");
	assert_string_equal(o[2].ifname, "mcrds-b");
	for (int i = 1; i <= 2; i++) {
		assert_true(o[i].is_downstream);
		assert_int_equal(o[i].when, WHEN_JOINED);
		assert_int_equal(o[i].ttl_mode, TTL_DECREMENT);
		assert_int_equal(o[i].source_mode, SOURCE_RELAY);
	}
	/* The object form's options reach every listed interface. */
	o = cfg.rules[1].outputs;
	assert_int_equal(cfg.rules[1].n_outputs, 1);
	assert_int_equal(o[0].ttl_mode, TTL_SET);
	assert_int_equal(o[0].ttl, 7);
	assert_int_equal(o[0].group.v4.s_addr, inet_addr("239.3.3.3"));
	config_free(&cfg);
}

/* The file's form shows the list as written, before and after resolving, and loads the same. */
static void t_round_trip(void **state)
{
	struct config_error err;
	struct mcr_config cfg, back;
	json_t *j, *again;
	char *s, *ds;

	(void)state;
	load_ok(&cfg, mixed);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && config_resolve(&cfg, &err) != 0)
			fail_msg("%s", err.msg);
		j = config_to_json(&cfg);
		s = json_dumps(j, JSON_COMPACT);
		assert_non_null(strstr(s, "\"downstream\":[\"mcrds-a\",\"mcrds-b\"]"));
		ds = json_dumps(json_object_get(json_array_get(json_object_get(j, "rules"), 1),
						"downstream"), JSON_COMPACT | JSON_SORT_KEYS);
		assert_string_equal(ds, "{\"group\":\"239.3.3.3\",\"interfaces\":[\"mcrds-a\"],"
					"\"ttl\":7}");
		free(ds);
		assert_null(strstr(s, "joined"));
		/* Only the rule written with outputs has them. */
		assert_int_equal(json_object_get(json_array_get(json_object_get(j, "rules"), 1),
						 "outputs") == NULL, true);
		load_ok(&back, s);
		again = config_to_json(&back);
		if (pass == 0)
			assert_true(json_equal(j, again));
		assert_int_equal(back.rules[0].n_outputs, 3);
		assert_true(back.rules[0].outputs[2].is_downstream);
		assert_int_equal(back.rules[1].outputs[0].ttl, 7);
		json_decref(again);
		config_free(&back);
		free(s);
		json_decref(j);
	}
	config_free(&cfg);
}

static void t_refusals(void **state)
{
	char *big;
	size_t at;

	(void)state;
	load_refused("{\"rules\": [{\"name\": \"r\", \"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": [\"br1\", \"eth0\"]}]}",
		     "rules[0].downstream", "\"eth0\" is the input interface of rule \"r\"", NULL);
	load_refused("{\"rules\": [{\"name\": \"r\", \"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": [\"br1\", \"br1\"]}]}",
		     "\"br1\" is listed twice in rule \"r\"", NULL);
	load_refused("{\"rules\": [{\"name\": \"r\", \"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"outputs\": [{\"interface\": \"br1\"}],"
		     " \"downstream\": [\"br1\"]}]}",
		     "\"br1\" is also an output of rule \"r\"", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": []}]}",
		     "rules[0].downstream: no interfaces", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": \"br1\"}]}",
		     "rules[0].downstream: \"br1\" is not an array", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": [\"br1\", 3]}]}",
		     "rules[0].downstream[1]: 3 is not an interface name", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": {\"interfaces\": [\"br1\"],"
		     " \"when\": \"always\"}}]}",
		     "rules[0].downstream: unknown field \"when\"", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": {\"ttl\": 3}}]}",
		     "rules[0].downstream: missing field \"interfaces\"", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}, \"downstream\": {\"interfaces\": [\"br1\"],"
		     " \"ttl\": 300}}]}",
		     "rules[0].downstream.ttl: 300", NULL);
	load_refused("{\"rules\": [{\"input\": {\"interface\": \"eth0\","
		     " \"group\": \"239.1.1.1\"}}]}",
		     "missing field \"outputs\"", NULL);
	/* One output and MCR_MAX_OUTPUTS listed interfaces: one too many in all. */
	big = malloc(64 * 1024 + (size_t)MCR_MAX_OUTPUTS * 16);
	assert_non_null(big);
	at = (size_t)sprintf(big, "{\"rules\": [{\"input\": {\"interface\": \"eth0\", \"group\": "
				  "\"239.1.1.1\"}, \"outputs\": [{\"interface\": \"x\"}], "
				  "\"downstream\": [");
	for (int i = 0; i < MCR_MAX_OUTPUTS; i++)
		at += (size_t)sprintf(big + at, "%s\"d%d\"", i ? "," : "", i);
	(void)sprintf(big + at, "]}]}");
	load_refused(big, "4096 downstream interfaces and 1 outputs, at most 4096 in all", NULL);
	free(big);
}

static void t_shorthand(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	json_t *j;
	char *s;

	(void)state;
	config_init(&cfg);
	/* The list may come first: the outputs are checked against it either way. */
	if (config_add_shorthand(&cfg, "tv=lo,239.1.1.1:5000 -> downstream=mcrds-a+mcrds-b,ttl=5;"
				       " lo,239.2.2.2",
				 &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.rules[0].n_outputs, 3);
	assert_string_equal(cfg.rules[0].outputs[0].ifname, "lo");
	assert_false(cfg.rules[0].outputs[0].is_downstream);
	assert_true(cfg.rules[0].outputs[2].is_downstream);
	assert_int_equal(cfg.rules[0].outputs[2].when, WHEN_JOINED);
	assert_int_equal(cfg.rules[0].outputs[2].ttl, 5);
	j = config_rule_to_json(&cfg.rules[0]);
	s = json_dumps(json_object_get(j, "downstream"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"interfaces\":[\"mcrds-a\",\"mcrds-b\"],\"ttl\":5}");
	free(s);
	json_decref(j);
	config_free(&cfg);

	shorthand_refused("r=eth0,239.1.1.1 -> downstream=br1+eth0",
			  "\"eth0\" is the input interface of rule \"r\"");
	shorthand_refused("r=eth0,239.1.1.1 -> br1; downstream=br1+br2",
			  "\"br1\" is also an output of rule \"r\"");
	shorthand_refused("eth0,239.1.1.1 -> downstream=br1; downstream=br2",
			  "more than one downstream=");
	shorthand_refused("eth0,239.1.1.1 -> downstream=br1,when=joined", "when= does not apply");
	shorthand_refused("eth0,239.1.1.1 -> downstream=br1++br2", "downstream");
}

/* A listed interface that does not exist holds nothing back, and never gets packets. */
static void t_waiting_and_idle(void **state)
{
	struct config_error err;
	struct mcr_config cfg, other;

	(void)state;
	config_init(&cfg);
	if (config_add_shorthand(&cfg, "r=lo,239.1.1.1 -> downstream=mcrds-a+lo2x", &err) != 0 ||
	    config_add_shorthand(&cfg, "s=lo,239.1.1.2 -> mcrds-c,when=joined", &err) != 0 ||
	    config_resolve(&cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_null(config_rule_waiting_for(&cfg.rules[0]));
	/* Listeners are a multicast group's: a unicast destination is refused, named. */
	config_init(&other);
	assert_int_equal(config_add_shorthand(&other, "u=lo,239.1.1.1 -> downstream=br1,198.18.0.9",
					      &err), 0);
	assert_int_equal(config_resolve(&other, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "rule \"u\": downstream interface br1 follows a multicast"));
	config_free(&other);
	/* An ordinary output still holds its rule. */
	assert_string_equal(config_rule_waiting_for(&cfg.rules[1]), "mcrds-c");
	/* A stale mark on a missing interface does not make it relay. */
	cfg.rules[0].outputs[0].is_joined = true;
	cfg.rules[0].outputs[1].is_joined = true;
	cfg.rules[0].outputs[1].ifindex = 1;
	assert_int_equal(config_drop_waiting(&cfg), 1);
	assert_int_equal(config_drop_idle(&cfg), 1);
	assert_int_equal(cfg.n_rules, 1);
	assert_int_equal(cfg.rules[0].n_outputs, 1);
	assert_string_equal(cfg.rules[0].outputs[0].ifname, "lo2x");
	config_free(&cfg);
}

static void t_image(void **state)
{
	struct config_error err;
	struct mcr_config cfg, back;
	size_t len, at;
	char *data;

	(void)state;
	load_ok(&cfg, mixed);
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), 0);
	assert_false(back.rules[0].outputs[0].is_downstream);
	assert_true(back.rules[0].outputs[1].is_downstream);
	assert_true(back.rules[1].outputs[0].is_downstream);
	config_free(&back);
	/* The last output's mark, broken: refused before it is read as a bool. */
	at = len - sizeof(struct mcr_output) + offsetof(struct mcr_output, is_downstream);
	data[at] = 9;
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), -EBADMSG);
	config_free(&back);
	free(data);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_expand),
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_shorthand),
		cmocka_unit_test(t_waiting_and_idle),
		cmocka_unit_test(t_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
