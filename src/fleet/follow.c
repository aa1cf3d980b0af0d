// SPDX-License-Identifier: Apache-2.0
/* An agent's side of rules distribution: watch the KV key, compile each
 * revision, hand over what compiled, say why the rest did not. See
 * follow.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/bundle.h"
#include "fleet/fleet.h"
#include "fleet/follow.h"

struct vg_rules_follow {
	struct vg_fleet_watch *watch;
	char *good; /* the last value that compiled, as stored */
	size_t goodlen;
};

struct vg_rules_follow *vg_rules_follow_new(struct vg_fleet *f)
{
	struct vg_rules_follow *w = calloc(1, sizeof(*w));

	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->watch = vg_fleet_rules_watch(f);
	if (!w->watch) {
		int e = errno;

		free(w);
		errno = e;
		return NULL;
	}
	return w;
}

void vg_rules_follow_free(struct vg_rules_follow *w)
{
	if (!w)
		return;
	vg_fleet_watch_free(w->watch);
	free(w->good);
	free(w);
}

/* Compile b, keeping the first diagnostic line for the heartbeat. */
static struct vg_ruleset *compile(const struct vg_bundle *b, char *err, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct vg_diag diag = { .out = mem };
	struct vg_ruleset *rs;

	rs = vg_bundle_load(b, &diag);
	if (mem)
		fclose(mem);
	if (!rs) {
		char *nl = text ? strchr(text, '\n') : NULL;

		if (nl)
			*nl = '\0';
		snprintf(err, size, "%s", text && *text ? text : "the ruleset does not compile");
	}
	free(text);
	return rs;
}

int vg_rules_follow_next(struct vg_rules_follow *w, int timeout_ms, struct vg_rules_update *u)
{
	struct vg_bundle b;
	char *val = NULL;
	size_t len = 0;
	int r;

	memset(u, 0, sizeof(*u));
	r = vg_fleet_watch_next(w->watch, timeout_ms, &val, &len, &u->revision);
	if (r <= 0)
		return r;
	r = vg_bundle_decode(val, len, &b);
	if (r) {
		free(val);
		if (r == -ENOMEM)
			return r;
		snprintf(u->error, sizeof(u->error),
			 "revision %llu is not a ruleset 'vigil fleet push' wrote, or was altered",
			 (unsigned long long)u->revision);
		return -EINVAL;
	}
	memcpy(u->hash, b.hash, sizeof(u->hash));
	u->rs = compile(&b, u->error, sizeof(u->error));
	vg_bundle_release(&b);
	if (u->rs) {
		free(w->good);
		w->good = val;
		w->goodlen = len;
	} else {
		free(val);
	}
	return u->rs ? 1 : -EINVAL;
}

int vg_rules_follow_good(const struct vg_rules_follow *w, char **data, size_t *len)
{
	if (!w->good)
		return -ENOENT;
	*data = malloc(w->goodlen + 1);
	if (!*data)
		return -ENOMEM;
	memcpy(*data, w->good, w->goodlen);
	(*data)[w->goodlen] = '\0';
	*len = w->goodlen;
	return 0;
}
