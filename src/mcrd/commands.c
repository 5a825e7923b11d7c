// SPDX-License-Identifier: MIT
/*
 * What the supervisor does for each control-socket command.  The control
 * server (control.c) has already framed and validated the request; here a
 * command reads or changes the configuration and, for a change, pushes it to
 * the workers.  A change that fails validation leaves the running rules as
 * they were.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "mcrd/commands.h"

static json_t *cmd_add(struct supervisor *s, const struct proto_request *req,
		       struct proto_error *err)
{
	json_t *rule = json_object_get(req->args, "rule");
	struct config_error cerr = { "" };
	const char *name, *missing;
	int ret;

	ret = config_add_rule_json(s->cfg, rule, &cerr);
	if (ret < 0) {
		proto_error_set(err, proto_code_from_errno(ret), "%s", cerr.msg);
		return NULL;
	}
	name = s->cfg->rules[s->cfg->n_rules - 1].name;
	ret = config_resolve(s->cfg, &cerr);
	if (ret < 0) {
		proto_error_set(err, proto_code_from_errno(ret), "%s", cerr.msg);
		(void)config_remove_rule(s->cfg, name);
		return NULL;
	}
	ret = supervisor_push_config(s, &cerr);
	if (ret < 0) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "%s", cerr.msg);
		return NULL;
	}
	missing = config_rule_waiting_for(&s->cfg->rules[s->cfg->n_rules - 1]);
	if (missing) {
		log_info("rule \"%s\" added; it waits for interface %s", name, missing);
		return json_pack("{s:s, s:s}", "name", name, "waiting", missing);
	}
	log_info("rule \"%s\" added", name);
	return json_pack("{s:s}", "name", name);
}

static json_t *cmd_remove(struct supervisor *s, const struct proto_request *req,
			  struct proto_error *err)
{
	const char *name = json_string_value(json_object_get(req->args, "name"));
	struct config_error cerr = { "" };
	json_t *result;

	if (config_remove_rule(s->cfg, name) < 0) {
		proto_error_set(err, PROTO_ERR_NO_SUCH_RULE, "no rule named \"%s\"", name);
		return NULL;
	}
	result = json_pack("{s:s}", "name", name);
	if (supervisor_push_config(s, &cerr) < 0) {
		json_decref(result);
		proto_error_set(err, PROTO_ERR_INTERNAL, "%s", cerr.msg);
		return NULL;
	}
	log_info("rule \"%s\" removed", name);
	return result;
}

/* A rule as the file has it, plus "waiting": the interface it waits for, if any. */
static json_t *list_rule(const struct mcr_rule *r)
{
	json_t *obj = config_rule_to_json(r);
	const char *missing = config_rule_waiting_for(r);

	if (obj && missing && json_object_set_new(obj, "waiting", json_string(missing)) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *cmd_list(const struct supervisor *s)
{
	json_t *rules = json_array();

	for (size_t r = 0; rules && r < s->cfg->n_rules; r++)
		if (json_array_append_new(rules, list_rule(&s->cfg->rules[r])) < 0) {
			json_decref(rules);
			return NULL;
		}
	return rules ? json_pack("{s:o}", "rules", rules) : NULL;
}

static json_t *cmd_reload(struct supervisor *s, struct proto_error *err)
{
	struct config_error cerr = { "" };
	int ret = supervisor_reload(s, &cerr);

	if (ret < 0) {
		proto_error_set(err, ret == -EIO ? PROTO_ERR_INTERNAL : PROTO_ERR_INVALID_RULE,
				"%s", cerr.msg);
		return NULL;
	}
	return json_pack("{s:I}", "rules", (json_int_t)s->cfg->n_rules);
}

static json_t *cmd_log_level(struct supervisor *s, const struct proto_request *req,
			     struct proto_error *err)
{
	const char *name = json_string_value(json_object_get(req->args, "level"));
	int level = name ? log_level_from_name(name) : -1;

	if (level < 0) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				"level: \"%s\" is not error, warning, notice, info or debug",
				name ? name : "");
		return NULL;
	}
	log_set_level(level);
	supervisor_broadcast_log_level(s, level);
	return json_pack("{s:s}", "level", name);
}

json_t *commands_handle(void *ctx, const struct proto_request *req, struct proto_error *err)
{
	struct supervisor *s = ctx;

	switch (req->cmd) {
	case PROTO_CMD_PING:
		return json_pack("{s:b}", "pong", 1);
	case PROTO_CMD_VERSION:
		return json_pack("{s:s, s:i}", "version", MCR_VERSION, "protocol",
				 MCR_PROTO_VERSION);
	case PROTO_CMD_ADD:
		return cmd_add(s, req, err);
	case PROTO_CMD_REMOVE:
		return cmd_remove(s, req, err);
	case PROTO_CMD_LIST:
		return cmd_list(s);
	case PROTO_CMD_STATS:
		return supervisor_collect_stats(s);
	case PROTO_CMD_RELOAD:
		return cmd_reload(s, err);
	case PROTO_CMD_LOG_LEVEL:
		return cmd_log_level(s, req, err);
	case PROTO_CMD_SHUTDOWN:
		log_info("shutdown requested over the control socket");
		s->is_stopping = true;
		return json_pack("{s:b}", "stopping", 1);
	case PROTO_CMD_WORKERS:
		return json_pack("{s:o}", "workers", supervisor_workers_json(s));
	case PROTO_CMD_CONFIG:
		return config_to_json(s->cfg);
	case PROTO_CMD_MAX:
		break;
	}
	proto_error_set(err, PROTO_ERR_UNKNOWN_COMMAND, "unknown command");
	return NULL;
}
