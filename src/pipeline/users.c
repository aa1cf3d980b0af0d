// SPDX-License-Identifier: Apache-2.0
/* /etc/passwd and /etc/group name lookups; see users.h. */
#include "pipeline/users.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct idname {
	uint32_t id;
	char *name;
};

struct idfile {
	char path[256];
	struct stat st; /* of the file as last loaded; st_ino 0: not loaded */
	struct idname *v; /* sorted by id */
	size_t n;
};

struct vg_users {
	struct idfile pw, gr;
	time_t checked; /* CLOCK_MONOTONIC seconds of the last mtime check */
};

static int cmp_id(const void *a, const void *b)
{
	const struct idname *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void idfile_clear(struct idfile *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].name);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* Lines "name:x:id:..." (both files put the id in the third field). */
static void idfile_load(struct idfile *f)
{
	FILE *fp = fopen(f->path, "re");
	char line[1024];
	size_t cap = 0;
	struct stat st;

	idfile_clear(f);
	memset(&f->st, 0, sizeof(f->st));
	if (!fp)
		return;
	if (fstat(fileno(fp), &st) == 0)
		f->st = st;
	while (fgets(line, sizeof(line), fp)) {
		char *name = line, *c1 = strchr(line, ':'), *c2, *end;
		unsigned long id;

		if (!c1 || line[0] == '#')
			continue;
		c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		id = strtoul(c2 + 1, &end, 10);
		if (end == c2 + 1 || *end != ':' || id > UINT32_MAX)
			continue;
		*c1 = '\0';
		if (f->n == cap) {
			struct idname *nv = realloc(f->v, (cap ? cap * 2 : 64) * sizeof(*nv));

			if (!nv)
				break;
			f->v = nv;
			cap = cap ? cap * 2 : 64;
		}
		f->v[f->n].id = (uint32_t)id;
		f->v[f->n].name = strdup(name);
		if (f->v[f->n].name)
			f->n++;
	}
	fclose(fp);
	qsort(f->v, f->n, sizeof(*f->v), cmp_id);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Reload when the file is another one (replaced by rename, as useradd and
 * vipw do), or was written: size, mtime or ctime moved (ctime catches a
 * write whose mtime was set back). */
static void idfile_refresh(struct idfile *f)
{
	struct stat st;

	if (stat(f->path, &st) != 0) {
		if (f->n)
			idfile_clear(f);
		memset(&f->st, 0, sizeof(f->st));
		return;
	}
	if (st.st_ino != f->st.st_ino || st.st_dev != f->st.st_dev || st.st_size != f->st.st_size ||
	    !same_time(st.st_mtim, f->st.st_mtim) || !same_time(st.st_ctim, f->st.st_ctim))
		idfile_load(f);
}

struct vg_users *vg_users_new(const char *passwd_path, const char *group_path)
{
	struct vg_users *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	snprintf(u->pw.path, sizeof(u->pw.path), "%s", passwd_path);
	snprintf(u->gr.path, sizeof(u->gr.path), "%s", group_path);
	idfile_load(&u->pw);
	idfile_load(&u->gr);
	return u;
}

void vg_users_free(struct vg_users *u)
{
	if (!u)
		return;
	idfile_clear(&u->pw);
	idfile_clear(&u->gr);
	free(u);
}

void vg_users_refresh(struct vg_users *u)
{
	idfile_refresh(&u->pw);
	idfile_refresh(&u->gr);
}

static void maybe_refresh(struct vg_users *u)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec == u->checked)
		return;
	u->checked = now.tv_sec;
	vg_users_refresh(u);
}

static const char *lookup(struct idfile *f, uint32_t id)
{
	struct idname key = { .id = id }, *hit;

	if (!f->n)
		return NULL; /* f->v may be NULL: bsearch must not see it */
	hit = bsearch(&key, f->v, f->n, sizeof(*f->v), cmp_id);
	return hit ? hit->name : NULL;
}

const char *vg_users_name(struct vg_users *u, uint32_t uid)
{
	maybe_refresh(u);
	return lookup(&u->pw, uid);
}

const char *vg_users_group(struct vg_users *u, uint32_t gid)
{
	maybe_refresh(u);
	return lookup(&u->gr, gid);
}
