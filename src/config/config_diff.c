// SPDX-License-Identifier: MIT
/*
 * The difference between two configurations, by rule name.  The new
 * configuration's names go into a hash table, so the comparison costs
 * O(old + new) lookups, then one comparison per rule both have.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report an allocation failure instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "config/config_diff.h"
#include "config/settings.h"

struct name_entry {
	const struct mcr_rule *rule;
	bool is_seen;			/* the old configuration has it too */
	UT_hash_handle hh;
};

static int names_add(struct config_names *l, const char *name, size_t cap)
{
	if (!l->names) {
		l->names = calloc(cap ? cap : 1, sizeof(*l->names));
		if (!l->names)
			return -ENOMEM;
	}
	(void)snprintf(l->names[l->n++], MCR_NAME_MAX, "%s", name);
	return 0;
}

/* The same in the file's form: every field a rule has, whoever added it. */
static int rules_equal(const struct mcr_rule *a, const struct mcr_rule *b, bool *ret)
{
	json_t *ja = config_rule_to_json(a), *jb = config_rule_to_json(b);
	int rc = ja && jb ? 0 : -ENOMEM;

	if (rc == 0)
		*ret = json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return rc;
}

static int index_new(const struct mcr_config *new, struct name_entry *entries,
		     struct name_entry **ret_head)
{
	for (size_t i = 0; i < new->n_rules; i++) {
		struct name_entry *e = &entries[i];
		const char *name = new->rules[i].name;

		e->rule = &new->rules[i];
		HASH_ADD_KEYPTR(hh, *ret_head, name, strlen(name), e);
		if (!e->hh.tbl)
			return -ENOMEM;
	}
	return 0;
}

static int diff_old(const struct mcr_config *old, struct name_entry *head, struct config_diff *d)
{
	for (size_t i = 0; i < old->n_rules; i++) {
		const struct mcr_rule *r = &old->rules[i];
		struct name_entry *e;
		bool is_same = false;
		int rc;

		HASH_FIND(hh, head, r->name, strlen(r->name), e);
		if (!e) {
			rc = names_add(&d->removed, r->name, old->n_rules);
		} else {
			e->is_seen = true;
			rc = rules_equal(r, e->rule, &is_same);
			if (rc == 0 && is_same)
				d->n_unchanged++;
			else if (rc == 0)
				rc = names_add(&d->changed, r->name, old->n_rules);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The keys of the settings whose values differ, in the table's order. */
static int diff_settings(const struct mcr_config *old, const struct mcr_config *new,
			 struct config_names *ret)
{
	json_t *a = json_object(), *b = json_object();
	size_t n;
	const struct setting *t = settings_table(&n);
	int rc = a && b ? 0 : -ENOMEM;

	if (rc == 0 && (settings_to_json(old, a) < 0 || settings_to_json(new, b) < 0))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!json_equal(json_object_get(a, t[i].key), json_object_get(b, t[i].key)))
			rc = names_add(ret, t[i].key, n);
	json_decref(a);
	json_decref(b);
	return rc;
}

int config_diff(const struct mcr_config *old, const struct mcr_config *new,
		struct config_diff *ret)
{
	struct name_entry *entries, *head = NULL;
	int rc;

	memset(ret, 0, sizeof(*ret));
	entries = calloc(new->n_rules ? new->n_rules : 1, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	rc = index_new(new, entries, &head);
	if (rc == 0)
		rc = diff_old(old, head, ret);
	for (size_t i = 0; rc == 0 && i < new->n_rules; i++)
		if (!entries[i].is_seen)
			rc = names_add(&ret->added, new->rules[i].name, new->n_rules);
	HASH_CLEAR(hh, head);
	free(entries);
	if (rc == 0)
		rc = diff_settings(old, new, &ret->settings);
	if (rc < 0)
		config_diff_free(ret);
	return rc;
}

void config_diff_free(struct config_diff *d)
{
	free(d->added.names);
	free(d->changed.names);
	free(d->removed.names);
	free(d->settings.names);
	memset(d, 0, sizeof(*d));
}

static json_t *names_to_json(const struct config_names *l)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < l->n; i++) {
		if (json_array_append_new(arr, json_string(l->names[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *config_diff_to_json(const struct config_diff *d)
{
	json_t *added = names_to_json(&d->added), *changed = names_to_json(&d->changed);
	json_t *removed = names_to_json(&d->removed), *settings = names_to_json(&d->settings);

	if (!added || !changed || !removed || !settings) {
		json_decref(added);
		json_decref(changed);
		json_decref(removed);
		json_decref(settings);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:o, s:I, s:o}", "added", added, "changed", changed,
			 "removed", removed, "unchanged", (json_int_t)d->n_unchanged, "settings",
			 settings);
}
