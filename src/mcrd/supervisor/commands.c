// SPDX-License-Identifier: MIT
/*
 * What the supervisor does for each control-socket command.  The control
 * server (control.c) has already framed and validated the request; here a
 * command reads the configuration, or builds the changed one and starts it
 * as a transaction (supervisor_change()), whose answer is deferred until
 * every worker has committed it or it is refused; a refused change leaves
 * the running rules as they were.  Stats are deferred too, until every
 * worker has reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "mcrd/membership/follow.h"
#include "mcrd/supervisor/change.h"
#include "mcrd/supervisor/commands.h"

/* A change's client, answered when the change is over. */
struct change_reply {
	uint64_t ticket;
	enum proto_cmd cmd;
	char name[MCR_NAME_MAX];
	const struct config_diff *diff;	/* a reload's; valid while it is answered */
};

/* The interface a committed rule waits for, or NULL. */
static const char *added_waits_for(const struct supervisor *s, const char *name)
{
	int k = config_rule_index(s->cfg, name);

	return k >= 0 ? config_rule_waiting_for(&s->cfg->rules[k]) : NULL;
}

/* {"rules": N, "added": [...], "changed": [...], ...} for a committed reload. */
static json_t *reload_result(const struct supervisor *s, const struct config_diff *diff)
{
	json_t *result = diff ? config_diff_to_json(diff) : json_object();

	if (result &&
	    json_object_set_new(result, "rules", json_integer((json_int_t)s->cfg->n_rules)) < 0) {
		json_decref(result);
		result = NULL;
	}
	return result;
}

static void change_answered(struct supervisor *s, void *ctx, int ret, const char *why)
{
	struct change_reply *p = ctx;
	struct proto_error err = { .code = PROTO_OK };
	json_t *result = NULL;

	if (ret < 0) {
		proto_error_set(&err, proto_code_from_errno(ret), "%s", why);
		if (p->cmd == PROTO_CMD_RELOAD)
			log_err("reload: %s; keeping the running rules", why);
	} else if (p->cmd == PROTO_CMD_RELOAD) {
		/* supervisor_reload() logged the lists already. */
		result = reload_result(s, p->diff);
	} else if (p->cmd == PROTO_CMD_ADD && added_waits_for(s, p->name)) {
		log_info("rule \"%s\" added; it waits for interface %s", p->name,
			 added_waits_for(s, p->name));
		result = json_pack("{s:s, s:s}", "name", p->name, "waiting",
				   added_waits_for(s, p->name));
	} else {
		log_info("rule \"%s\" %s", p->name, p->cmd == PROTO_CMD_ADD ? "added" : "removed");
		result = json_pack("{s:s}", "name", p->name);
	}
	if (s->has_control)
		control_reply(&s->ctl, p->ticket, result, &err);
	json_decref(result);
	free(p);
}

/* Start the change to next for this request; its answer is deferred. */
static json_t *start_change(struct supervisor *s, enum proto_cmd cmd, struct mcr_config *next,
			    const char *name, struct proto_error *err)
{
	struct change_reply *p = calloc(1, sizeof(*p));
	struct config_error cerr = { "" };
	int ret;

	if (!p) {
		config_free(next);
		proto_error_set(err, PROTO_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	p->cmd = cmd;
	(void)snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	ret = supervisor_change(s, next, change_answered, p, &cerr);
	if (ret < 0) {
		free(p);
		proto_error_set(err, proto_code_from_errno(ret), "%s", cerr.msg);
		return NULL;
	}
	/* The change calls back from the event loop only, after this returns. */
	p->ticket = control_defer(&s->ctl);
	return NULL;
}

static json_t *cmd_add(struct supervisor *s, const struct proto_request *req,
		       struct proto_error *err)
{
	json_t *rule = json_object_get(req->args, "rule");
	struct config_error cerr = { "" };
	char name[MCR_NAME_MAX];
	struct mcr_config next;
	int ret;

	if (change_config_dup(&next, s->cfg) < 0) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	ret = config_add_rule_json(&next, rule, &cerr);
	if (ret == 0)
		ret = config_resolve(&next, &cerr);
	if (ret < 0) {
		proto_error_set(err, proto_code_from_errno(ret), "%s", cerr.msg);
		config_free(&next);
		return NULL;
	}
	(void)snprintf(name, sizeof(name), "%s", next.rules[next.n_rules - 1].name);
	return start_change(s, PROTO_CMD_ADD, &next, name, err);
}

static json_t *cmd_remove(struct supervisor *s, const struct proto_request *req,
			  struct proto_error *err)
{
	const char *name = json_string_value(json_object_get(req->args, "name"));
	struct mcr_config next;

	if (config_rule_index(s->cfg, name) < 0) {
		proto_error_set(err, PROTO_ERR_NO_SUCH_RULE, "no rule named \"%s\"", name);
		return NULL;
	}
	if (change_config_dup(&next, s->cfg) < 0) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	(void)config_remove_rule(&next, name);
	return start_change(s, PROTO_CMD_REMOVE, &next, name, err);
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

/* The reply, deferred until the change is over, names what the reload changed. */
static json_t *cmd_reload(struct supervisor *s, struct proto_error *err)
{
	struct change_reply *p = calloc(1, sizeof(*p));
	struct config_error cerr = { "" };
	int ret;

	if (!p) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	p->cmd = PROTO_CMD_RELOAD;
	ret = supervisor_reload(s, change_answered, p, &p->diff, &cerr);
	if (ret < 0) {
		free(p);
		proto_error_set(err,
				ret == -ENOENT || ret == -EINVAL ? PROTO_ERR_INVALID_RULE :
								   proto_code_from_errno(ret),
				"%s", cerr.msg);
		return NULL;
	}
	p->ticket = control_defer(&s->ctl);
	return NULL;
}

static json_t *cmd_log_level(struct supervisor *s, const struct proto_request *req,
			     struct proto_error *err)
{
	const char *name = json_string_value(json_object_get(req->args, "level"));
	int level;

	/* No level asks for the one in force. */
	if (!name)
		return json_pack("{s:s}", "level", log_level_name(log_get_level()));
	level = log_level_from_name(name);
	if (level < 0) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				"level: \"%s\" is not error, warning, notice, info or debug",
				name);
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
		supervisor_stats_request(s, control_defer(&s->ctl));
		return NULL;
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
	case PROTO_CMD_GROUPS:
		return follow_groups_json(s);
	case PROTO_CMD_MAX:
		break;
	}
	proto_error_set(err, PROTO_ERR_UNKNOWN_COMMAND, "unknown command");
	return NULL;
}
