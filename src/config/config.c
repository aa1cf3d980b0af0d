// SPDX-License-Identifier: Apache-2.0
/*
 * vigil.yaml reader; see config.h. One table names every key, its type and
 * where it lands in struct vg_config; the file, its drop-ins, -o overrides
 * and command-line flags all go through it, so each key is checked the
 * same way wherever it comes from.
 */
#include "config/config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "loader/loader.h"

enum ktype {
	K_SECTION,
	K_BOOL,
	K_INT,
	K_STR,
	K_STRLIST,
	K_PRIO,
	K_MODE,
	K_FILTER,
	K_SIZE,
	K_DURATION,
	K_LOGLEVEL,
	K_APPEND,   /* append_output */
	K_INCLUDES, /* config_files: read after the file that names them */
	K_IGNORED,  /* a Falco key taken and ignored: vigil always does it */
	K_BYTES,    /* a size in bytes, any value: "256M", "64K", "1G", "65536" */
};

struct key {
	const char *name; /* dotted */
	enum ktype type;
	size_t off, noff; /* field; for lists the count's field */
	int64_t min, max; /* K_INT */
};

#define F(m) offsetof(struct vg_config, m)

static const struct key keys[] = {
	{ .name = "rules_files", .type = K_STRLIST, .off = F(rules_files), .noff = F(nrules_files) },
	{ .name = "rules_file", .type = K_STRLIST, .off = F(rules_files), .noff = F(nrules_files) }, /* Falco's older name */
	{ .name = "config_files", .type = K_INCLUDES },
	{ .name = "priority", .type = K_PRIO, .off = F(priority) },
	{ .name = "json_output", .type = K_BOOL, .off = F(json_output) },
	{ .name = "json_include_output_property", .type = K_BOOL, .off = F(json_include_output_property) },
	{ .name = "json_include_tags_property", .type = K_BOOL, .off = F(json_include_tags_property) },
	{ .name = "json_include_output_fields_property", .type = K_BOOL, .off = F(json_include_output_fields_property) },
	{ .name = "append_output", .type = K_APPEND },
	{ .name = "stdout_output", .type = K_SECTION },
	{ .name = "stdout_output.enabled", .type = K_BOOL, .off = F(stdout_enabled) },
	{ .name = "file_output", .type = K_SECTION },
	{ .name = "file_output.enabled", .type = K_BOOL, .off = F(file_enabled) },
	{ .name = "file_output.keep_alive", .type = K_BOOL, .off = F(file_keep_alive) },
	{ .name = "file_output.filename", .type = K_STR, .off = F(file_filename) },
	{ .name = "syslog_output", .type = K_SECTION },
	{ .name = "syslog_output.enabled", .type = K_BOOL, .off = F(syslog_enabled) },
	{ .name = "program_output", .type = K_SECTION },
	{ .name = "program_output.enabled", .type = K_BOOL, .off = F(program_enabled) },
	{ .name = "program_output.keep_alive", .type = K_BOOL, .off = F(program_keep_alive) },
	{ .name = "program_output.program", .type = K_STR, .off = F(program) },
	{ .name = "http_output", .type = K_SECTION },
	{ .name = "http_output.enabled", .type = K_BOOL, .off = F(http_enabled) },
	{ .name = "http_output.url", .type = K_STR, .off = F(http_url) },
	{ .name = "http_output.user_agent", .type = K_STR, .off = F(http_user_agent) },
	{ .name = "http_output.insecure", .type = K_BOOL, .off = F(http_insecure) },
	{ .name = "http_output.ca_cert", .type = K_STR, .off = F(http_ca_cert) },
	{ .name = "http_output.ca_bundle", .type = K_STR, .off = F(http_ca_bundle) },
	{ .name = "http_output.ca_path", .type = K_STR, .off = F(http_ca_path) },
	{ .name = "http_output.mtls", .type = K_BOOL, .off = F(http_mtls) },
	{ .name = "http_output.client_cert", .type = K_STR, .off = F(http_client_cert) },
	{ .name = "http_output.client_key", .type = K_STR, .off = F(http_client_key) },
	{ .name = "http_output.compress_uploads", .type = K_BOOL, .off = F(http_compress) },
	{ .name = "http_output.keep_alive", .type = K_BOOL, .off = F(http_keep_alive) },
	{ .name = "http_output.max_consecutive_timeouts", .type = K_INT, .off = F(http_max_consecutive_timeouts), .min = 0, .max = 1000000 },
	{ .name = "http_output.echo", .type = K_IGNORED },
	{ .name = "webserver", .type = K_SECTION },
	{ .name = "webserver.enabled", .type = K_BOOL, .off = F(web_enabled) },
	{ .name = "webserver.listen_address", .type = K_STR, .off = F(web_address) },
	{ .name = "webserver.listen_port", .type = K_INT, .off = F(web_port), .min = 1, .max = 65535 },
	{ .name = "webserver.k8s_healthz_endpoint", .type = K_STR, .off = F(web_healthz) },
	{ .name = "webserver.prometheus_metrics_enabled", .type = K_BOOL, .off = F(web_prometheus) },
	{ .name = "webserver.threadiness", .type = K_IGNORED },
	{ .name = "metrics", .type = K_SECTION },
	{ .name = "metrics.enabled", .type = K_BOOL, .off = F(metrics_enabled) },
	{ .name = "metrics.interval", .type = K_DURATION, .off = F(metrics_interval_s) },
	{ .name = "metrics.output_rule", .type = K_BOOL, .off = F(metrics_output_rule) },
	{ .name = "metrics.rules_counters_enabled", .type = K_IGNORED },
	{ .name = "metrics.resource_utilization_enabled", .type = K_IGNORED },
	{ .name = "metrics.state_counters_enabled", .type = K_IGNORED },
	{ .name = "metrics.kernel_event_counters_enabled", .type = K_IGNORED },
	{ .name = "metrics.kernel_event_counters_per_cpu_enabled", .type = K_IGNORED },
	{ .name = "metrics.libbpf_stats_enabled", .type = K_IGNORED },
	{ .name = "metrics.convert_memory_to_mb", .type = K_IGNORED },
	{ .name = "metrics.include_empty_values", .type = K_IGNORED },
	{ .name = "log_stderr", .type = K_BOOL, .off = F(log_stderr) },
	{ .name = "log_syslog", .type = K_BOOL, .off = F(log_syslog) },
	{ .name = "log_level", .type = K_LOGLEVEL, .off = F(log_level) },
	{ .name = "watch_config_files", .type = K_BOOL, .off = F(watch_config_files) },
	{ .name = "outputs_queue", .type = K_SECTION },
	{ .name = "outputs_queue.capacity", .type = K_INT, .off = F(outputs_queue_capacity), .min = 0, .max = 10000000 },
	{ .name = "nats_output", .type = K_SECTION },
	{ .name = "nats_output.enabled", .type = K_BOOL, .off = F(nats_enabled) },
	{ .name = "nats_output.servers", .type = K_STRLIST, .off = F(nats_servers), .noff = F(nats_nservers) },
	{ .name = "nats_output.subject_prefix", .type = K_STR, .off = F(nats_subject_prefix) },
	{ .name = "nats_output.stream", .type = K_STR, .off = F(nats_stream) },
	{ .name = "nats_output.creds", .type = K_STR, .off = F(nats_creds) },
	{ .name = "nats_output.tls", .type = K_SECTION },
	{ .name = "nats_output.tls.ca", .type = K_STR, .off = F(nats_tls_ca) },
	{ .name = "nats_output.tls.cert", .type = K_STR, .off = F(nats_tls_cert) },
	{ .name = "nats_output.tls.key", .type = K_STR, .off = F(nats_tls_key) },
	{ .name = "nats_output.spool_dir", .type = K_STR, .off = F(nats_spool_dir) },
	{ .name = "nats_output.spool_max_size", .type = K_BYTES, .off = F(nats_spool_max) },
	{ .name = "fleet", .type = K_SECTION },
	{ .name = "fleet.enabled", .type = K_BOOL, .off = F(fleet_enabled) },
	{ .name = "fleet.heartbeat_interval", .type = K_DURATION, .off = F(fleet_heartbeat_s) },
	{ .name = "fleet.rules", .type = K_BOOL, .off = F(fleet_rules) },
	{ .name = "vigil", .type = K_SECTION },
	{ .name = "vigil.hostname", .type = K_STR, .off = F(hostname) },
	{ .name = "vigil.mode", .type = K_MODE, .off = F(mode) },
	{ .name = "vigil.filter", .type = K_FILTER, .off = F(user_filter) },
	{ .name = "vigil.ringbuf", .type = K_SIZE, .off = F(ringbuf) },
	{ .name = "vigil.lifecycle_ringbuf", .type = K_SIZE, .off = F(lifecycle_ringbuf) },
	{ .name = "vigil.max_kills", .type = K_INT, .off = F(max_kills), .min = 0, .max = 1000000 },
	{ .name = "vigil.never_kill", .type = K_STRLIST, .off = F(never_kill), .noff = F(nnever_kill) },
	{ .name = "vigil.docker_socket", .type = K_STR, .off = F(docker_socket) },
	{ .name = "vigil.pin", .type = K_BOOL, .off = F(pin) },
	{ .name = "vigil.protect_self", .type = K_BOOL, .off = F(protect_self) },
	{ .name = "vigil.control_file", .type = K_STR, .off = F(control_file) },
	{ .name = "vigil.control_socket", .type = K_STR, .off = F(control_socket) },
	{ .name = "vigil.audit_file", .type = K_STR, .off = F(audit_file) },
	{ .name = "vigil.syslog_socket", .type = K_STR, .off = F(syslog_socket) },
	{ .name = "vigil.http_timeout", .type = K_DURATION, .off = F(http_timeout_s) },
	{ .name = "vigil.aggregation_window", .type = K_DURATION, .off = F(aggregation_window_s) },
	{ .name = "vigil.stats_interval", .type = K_DURATION, .off = F(stats_interval_s) },
};

/* Falco keys vigil has no feature for, with why: a clearer error than
 * "unknown key" for someone carrying a falco.yaml over. */
static const struct {
	const char *name, *why;
} falco_only[] = {
	{ "engine", "vigil has one driver: its own eBPF probes" },
	{ "plugins", "vigil has no plugin framework" },
	{ "load_plugins", "vigil has no plugin framework" },
	{ "grpc", "vigil has no gRPC server" },
	{ "grpc_output", "vigil has no gRPC server" },
	{ "buffered_outputs", "every sink has its own queue (outputs_queue.capacity)" },
	{ "outputs", "vigil has no rate limiter: repeats fold (vigil.aggregation_window)" },
	{ "output_timeout", "sinks never block the event loop; see vigil.http_timeout" },
	{ "time_format_iso_8601", "JSON time is always RFC 3339" },
	{ "syscall_event_drops", "drops are always alerted (\"vigil: events dropped\")" },
	{ "syscall_event_timeouts", "not applicable to vigil's ring buffers" },
	{ "base_syscalls", "the rules decide what the kernel traces" },
	{ "falco_libs", "vigil does not use Falco's libraries" },
	{ "container_engines", "see vigil.docker_socket" },
	{ "libs_logger", "vigil does not use Falco's libraries" },
	{ "capture", "vigil has no capture files" },
	{ "rule_matching", "vigil evaluates every rule (Falco's 'all')" },
	{ "json_include_message_property", "not supported" },
	{ "json_include_output_fields_property_in_output", "not supported" },
};

void vg_config_init(struct vg_config *c)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	c->priority = VG_PRIO_DEBUG;
	/* JSON by default (vigil's contract), unlike Falco's text */
	c->json_output = true;
	c->json_include_output_property = true;
	c->json_include_tags_property = true;
	c->json_include_output_fields_property = true;
	c->stdout_enabled = true;
	c->http_keep_alive = true;
	c->http_max_consecutive_timeouts = 5;
	/* loopback unless configured (Falco binds 0.0.0.0) */
	c->web_address = "127.0.0.1";
	c->web_port = 8765;
	c->web_healthz = "/healthz";
	c->web_prometheus = true;
	c->metrics_interval_s = 3600;
	c->metrics_output_rule = true;
	c->log_stderr = true;
	c->log_level = "info";
	c->outputs_queue_capacity = 10000;
	c->mode = VG_MODE_ENFORCE;
	c->max_kills = 20;
	c->control_socket = "";
	c->http_timeout_s = 5;
	c->nats_subject_prefix = "vigil.alerts";
	c->nats_stream = "VIGIL_ALERTS";
	c->nats_spool_dir = "/var/lib/vigil/spool";
	c->nats_spool_max = 256ull << 20;
	c->fleet_heartbeat_s = 10;
}

void vg_config_release(struct vg_config *c)
{
	arena_release(&c->arena);
}

/* --- reading ------------------------------------------------------------------ */

struct reader {
	struct vg_config *c;
	struct vg_diag *diag;
	const char *file; /* in the arena */
	int depth;	  /* of config_files nesting */
	/* -o: positions are columns in the argument, after the key= */
	unsigned col_base;
};

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static struct vg_srcpos pos_of(struct reader *r, const yaml_node_t *n)
{
	return (struct vg_srcpos){ .file = r->file, .line = (unsigned)n->start_mark.line + 1,
				   .col = r->col_base + (unsigned)n->start_mark.column + 1 };
}

static int err_at(struct reader *r, const yaml_node_t *n, const char *fmt, const char *a,
		  const char *b)
{
	struct vg_srcpos p = pos_of(r, n);

	vg_diag_error(r->diag, &p, fmt, a, b);
	return -1;
}

static void *field(struct vg_config *c, size_t off)
{
	return (char *)c + off;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const t[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const f[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i]))
			return *out = true, true;
		if (!strcmp(s, f[i]))
			return *out = false, true;
	}
	return false;
}

double vg_config_duration(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return -1;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (!strcmp(end, "h"))
		v *= 3600;
	else if (!strcmp(end, "d"))
		v *= 86400;
	else if (*end && strcmp(end, "s"))
		return -1;
	return v;
}

static int parse_prio(const char *s)
{
	static const char *const names[] = { "emergency", "alert", "critical", "error",
					      "warning", "notice", "informational", "debug" };

	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	if (!strcasecmp(s, "info"))
		return VG_PRIO_INFORMATIONAL;
	return -1;
}

/*
 * Convert the text of one scalar to key k's type and store it. `plain`:
 * an unquoted YAML scalar (only those can be booleans or numbers). The
 * error message is returned (NULL: stored).
 */
static const char *set_value(struct vg_config *c, const struct key *k, const char *s, bool plain)
{
	char *end;
	long long v;
	double d;
	int m;

	switch (k->type) {
	case K_BOOL:
		if (!plain || !parse_bool(s, field(c, k->off)))
			return "expected a boolean (true or false)";
		return NULL;
	case K_INT:
		errno = 0;
		v = strtoll(s, &end, 10);
		if (!plain || errno || end == s || *end)
			return "expected an integer";
		if (v < k->min || v > k->max)
			return "integer out of range";
		*(int64_t *)field(c, k->off) = v;
		return NULL;
	case K_STR: {
		char *copy = arena_strdup(&c->arena, s);

		if (!copy)
			return "out of memory";
		*(const char **)field(c, k->off) = copy;
		return NULL;
	}
	case K_PRIO:
		m = parse_prio(s);
		if (m < 0)
			return "expected a priority (emergency, alert, critical, error, warning, "
			       "notice, informational, debug)";
		*(enum vg_prio *)field(c, k->off) = (enum vg_prio)m;
		return NULL;
	case K_LOGLEVEL:
		if (parse_prio(s) < 0)
			return "expected a log level (emergency ... debug)";
		*(const char **)field(c, k->off) = arena_strdup(&c->arena, s);
		return NULL;
	case K_MODE:
		m = vg_mode_parse(s);
		if (m < 0)
			return "expected observe, alert or enforce";
		*(enum vg_mode *)field(c, k->off) = (enum vg_mode)m;
		return NULL;
	case K_FILTER:
		if (strcmp(s, "kernel") && strcmp(s, "user"))
			return "expected kernel or user";
		*(bool *)field(c, k->off) = !strcmp(s, "user");
		return NULL;
	case K_SIZE:
		if (vg_parse_size(s, field(c, k->off)))
			return "expected a power of two from 4K to 1G (\"8M\")";
		return NULL;
	case K_BYTES: {
		unsigned long long b;

		errno = 0;
		b = strtoull(s, &end, 10);
		if (errno || end == s || *s == '-')
			return "expected a size (\"256M\", \"64K\", \"1G\", or bytes)";
		if (*end == 'K' || *end == 'k')
			b <<= 10, end++;
		else if (*end == 'M' || *end == 'm')
			b <<= 20, end++;
		else if (*end == 'G' || *end == 'g')
			b <<= 30, end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return "expected a size (\"256M\", \"64K\", \"1G\", or bytes)";
		*(uint64_t *)field(c, k->off) = b;
		return NULL;
	}
	case K_DURATION:
		d = vg_config_duration(s);
		if (d < 0)
			return "expected a duration (\"30s\", \"5m\", \"1h\", or seconds)";
		*(double *)field(c, k->off) = d;
		return NULL;
	default:
		return "expected a list or a mapping";
	}
}

static int apply(struct reader *r, const char *name, yaml_document_t *d, yaml_node_t *n);

static int apply_list(struct reader *r, const struct key *k, yaml_document_t *d, yaml_node_t *n)
{
	const char ***arr = field(r->c, k->off);
	size_t *cnt = field(r->c, k->noff);
	const char **out = NULL;
	size_t nout = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(r, n, "%s: expected a list of strings%s", k->name, "");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(d, *i);

		if (!it || it->type != YAML_SCALAR_NODE)
			return err_at(r, it ? it : n, "%s: expected a string%s", k->name, "");
		out = arena_push(&r->c->arena, out, nout, sizeof(*out));
		if (!out)
			return err_at(r, n, "out of memory%s%s", "", "");
		out[nout++] = arena_strdup(&r->c->arena, (const char *)it->data.scalar.value);
	}
	/* a later layer replaces the list, as Falco's does */
	*arr = out;
	*cnt = nout;
	return 0;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *scalar_or_null(struct reader *r, yaml_node_t *n, const char *what, int *err)
{
	if (!n)
		return NULL;
	if (n->type != YAML_SCALAR_NODE) {
		*err = err_at(r, n, "append_output: %s: expected a string%s", what, "");
		return NULL;
	}
	return arena_strdup(&r->c->arena, (const char *)n->data.scalar.value);
}

/* append_output: a list of {match: {source, tag, rule}, extra_output,
 * extra_fields: [field | {key: value}]}. */
static int apply_append(struct reader *r, yaml_document_t *d, yaml_node_t *n)
{
	struct vg_config *c = r->c;
	struct vg_append_output *out = NULL;
	size_t nout = 0;
	int err = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(r, n, "append_output: expected a list%s%s", "", "");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(d, *i), *m, *ef;
		struct vg_append_output *a;

		if (!it || it->type != YAML_MAPPING_NODE)
			return err_at(r, it ? it : n, "append_output: expected a mapping%s%s", "", "");
		for (yaml_node_pair_t *p = it->data.mapping.pairs.start;
		     p < it->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			const char *ks = k && k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "";

			if (strcmp(ks, "match") && strcmp(ks, "extra_output") && strcmp(ks, "extra_fields"))
				return err_at(r, k ? k : it, "append_output: unknown key '%s'%s", ks, "");
		}
		out = arena_push(&c->arena, out, nout, sizeof(*out));
		if (!out)
			return err_at(r, n, "out of memory%s%s", "", "");
		a = &out[nout++];
		memset(a, 0, sizeof(*a));
		m = map_get(d, it, "match");
		if (m && m->type != YAML_MAPPING_NODE)
			return err_at(r, m, "append_output: match: expected a mapping%s%s", "", "");
		for (yaml_node_pair_t *p = m ? m->data.mapping.pairs.start : NULL;
		     m && p < m->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(d, p->key);
			const char *ks = k && k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "";

			if (strcmp(ks, "source") && strcmp(ks, "tag") && strcmp(ks, "rule"))
				return err_at(r, k ? k : m,
					      "append_output: match: unknown key '%s' (source, tag, "
					      "rule)%s", ks, "");
		}
		a->match_source = scalar_or_null(r, map_get(d, m, "source"), "match.source", &err);
		a->match_tag = scalar_or_null(r, map_get(d, m, "tag"), "match.tag", &err);
		a->match_rule = scalar_or_null(r, map_get(d, m, "rule"), "match.rule", &err);
		a->extra_output = scalar_or_null(r, map_get(d, it, "extra_output"), "extra_output",
						 &err);
		if (err)
			return err;
		ef = map_get(d, it, "extra_fields");
		if (ef && ef->type != YAML_SEQUENCE_NODE)
			return err_at(r, ef, "append_output: extra_fields: expected a list%s%s", "", "");
		for (yaml_node_item_t *j = ef ? ef->data.sequence.items.start : NULL;
		     ef && j < ef->data.sequence.items.top; j++) {
			yaml_node_t *f = yaml_document_get_node(d, *j), *k = NULL, *v = NULL;

			if (f && f->type == YAML_MAPPING_NODE &&
			    f->data.mapping.pairs.top - f->data.mapping.pairs.start == 1) {
				k = yaml_document_get_node(d, f->data.mapping.pairs.start->key);
				v = yaml_document_get_node(d, f->data.mapping.pairs.start->value);
			} else if (f && f->type == YAML_SCALAR_NODE) {
				k = f;
			}
			if (!k || k->type != YAML_SCALAR_NODE || (v && v->type != YAML_SCALAR_NODE))
				return err_at(r, f ? f : ef,
					      "append_output: extra_fields: expected a field name "
					      "or one 'name: value'%s%s", "", "");
			a->extra_keys = arena_push(&c->arena, a->extra_keys, a->nextra,
						   sizeof(*a->extra_keys));
			a->extra_vals = arena_push(&c->arena, a->extra_vals, a->nextra,
						   sizeof(*a->extra_vals));
			if (!a->extra_keys || !a->extra_vals)
				return err_at(r, f, "out of memory%s%s", "", "");
			a->extra_keys[a->nextra] = arena_strdup(&c->arena, (char *)k->data.scalar.value);
			/* a bare name is a field rendered from the event (NULL) */
			a->extra_vals[a->nextra] =
				v ? arena_strdup(&c->arena, (char *)v->data.scalar.value) : NULL;
			a->nextra++;
		}
	}
	c->append_output = out;
	c->nappend_output = nout;
	return 0;
}

static int load_file(struct reader *r, const char *path, bool required);

/* config_files: each entry a file or a directory of *.yaml / *.yml. */
static int apply_includes(struct reader *r, yaml_document_t *d, yaml_node_t *n)
{
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(r, n, "config_files: expected a list of paths%s%s", "", "");
	if (r->depth >= 4)
		return err_at(r, n, "config_files: nested more than 4 deep%s%s", "", "");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *it = yaml_document_get_node(d, *i);
		const char *p;
		struct stat st;
		struct dirent **ents;
		int ne;

		if (!it || it->type != YAML_SCALAR_NODE)
			return err_at(r, it ? it : n, "config_files: expected a path%s%s", "", "");
		p = (const char *)it->data.scalar.value;
		if (stat(p, &st)) {
			/* Falco skips a missing drop-in directory; so do we */
			if (errno == ENOENT)
				continue;
			return err_at(r, it, "config_files: %s: %s", p, strerror(errno));
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= load_file(r, p, true);
			continue;
		}
		ne = scandir(p, &ents, NULL, alphasort);
		if (ne < 0)
			return err_at(r, it, "config_files: %s: %s", p, strerror(errno));
		for (int e = 0; e < ne; e++) {
			const char *nm = ents[e]->d_name;
			size_t l = strlen(nm);
			char full[4096];

			if (nm[0] != '.' && ((l > 5 && !strcmp(nm + l - 5, ".yaml")) ||
					     (l > 4 && !strcmp(nm + l - 4, ".yml")))) {
				snprintf(full, sizeof(full), "%s/%s", p, nm);
				rc |= load_file(r, full, true);
			}
			free(ents[e]);
		}
		free(ents);
	}
	return rc;
}

static int apply_mapping(struct reader *r, const char *prefix, yaml_document_t *d, yaml_node_t *n)
{
	int rc = 0;

	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		yaml_node_t *v = yaml_document_get_node(d, p->value);
		char name[256];

		if (!k || k->type != YAML_SCALAR_NODE) {
			rc = err_at(r, k ? k : n, "expected a key%s%s", "", "");
			continue;
		}
		snprintf(name, sizeof(name), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
			 (const char *)k->data.scalar.value);
		if (!find_key(name)) {
			const char *why = NULL;

			for (size_t i = 0; !prefix && i < sizeof(falco_only) / sizeof(falco_only[0]); i++)
				if (!strcmp(falco_only[i].name, name))
					why = falco_only[i].why;
			if (why)
				rc = err_at(r, k, "'%s': a Falco key vigil does not take: %s", name, why);
			else
				rc = err_at(r, k, "unknown key '%s'%s", name, "");
			continue;
		}
		if (v && apply(r, name, d, v))
			rc = -1;
	}
	return rc;
}

static int apply(struct reader *r, const char *name, yaml_document_t *d, yaml_node_t *n)
{
	const struct key *k = find_key(name);
	const char *msg;

	switch (k->type) {
	case K_SECTION:
		if (n->type == YAML_SCALAR_NODE && !n->data.scalar.length)
			return 0; /* "section:" with nothing under it */
		if (n->type != YAML_MAPPING_NODE)
			return err_at(r, n, "%s: expected a mapping%s", name, "");
		return apply_mapping(r, name, d, n);
	case K_STRLIST:
		return apply_list(r, k, d, n);
	case K_APPEND:
		return apply_append(r, d, n);
	case K_INCLUDES:
		return apply_includes(r, d, n);
	case K_IGNORED:
		if (n->type != YAML_SCALAR_NODE)
			return err_at(r, n, "%s: expected a scalar%s", name, "");
		return 0;
	default:
		if (n->type != YAML_SCALAR_NODE)
			return err_at(r, n, "%s: expected a single value%s", name, "");
		msg = set_value(r->c, k, (const char *)n->data.scalar.value,
				n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
		if (msg)
			return err_at(r, n, "%s: %s", name, msg);
		return 0;
	}
}

/* Parse one YAML text and apply it (as key `prefix`'s value, or as the
 * top-level mapping when prefix is NULL). */
static int apply_text(struct reader *r, const char *prefix, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_document_t d;
	yaml_node_t *root;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &d)) {
		struct vg_srcpos pos = { .file = r->file, .line = (unsigned)p.problem_mark.line + 1,
					 .col = r->col_base + (unsigned)p.problem_mark.column + 1 };

		vg_diag_error(r->diag, &pos, "YAML: %s", p.problem ? p.problem : "syntax error");
		yaml_parser_delete(&p);
		return -1;
	}
	root = yaml_document_get_root_node(&d);
	if (!prefix) {
		if (root && root->type == YAML_MAPPING_NODE)
			rc = apply_mapping(r, NULL, &d, root);
		else if (root && !(root->type == YAML_SCALAR_NODE && !root->data.scalar.length))
			rc = err_at(r, root, "expected a mapping of settings%s%s", "", "");
	} else if (root) {
		rc = apply(r, prefix, &d, root);
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	return rc;
}

static int load_file(struct reader *r, const char *path, bool required)
{
	const char *saved = r->file;
	struct vg_srcpos pos = { .file = path, .line = 1, .col = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		if (!required && errno == ENOENT)
			return 0;
		vg_diag_error(r->diag, &pos, "cannot read: %s", strerror(errno));
		return -1;
	}
	{
		char chunk[8192];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *nb = realloc(buf, len + n + 1);

			if (!nb) {
				free(buf);
				fclose(f);
				vg_diag_error(r->diag, &pos, "out of memory");
				return -1;
			}
			buf = nb;
			memcpy(buf + len, chunk, n);
			len += n;
		}
	}
	fclose(f);
	r->file = arena_strdup(&r->c->arena, path);
	if (r->depth) {
		r->c->files = arena_push(&r->c->arena, r->c->files, r->c->nfiles,
					 sizeof(*r->c->files));
		if (r->c->files)
			r->c->files[r->c->nfiles++] = r->file;
	}
	r->depth++;
	rc = apply_text(r, NULL, buf ? buf : "", len);
	r->depth--;
	r->file = saved;
	free(buf);
	return rc;
}

int vg_config_load(struct vg_config *c, const char *path, bool required, struct vg_diag *diag)
{
	struct reader r = { .c = c, .diag = diag };
	struct stat st;

	if (!required && stat(path, &st) && errno == ENOENT)
		return 0;
	c->path = arena_strdup(&c->arena, path);
	return load_file(&r, path, required) || diag->errors ? -1 : 0;
}

int vg_config_override(struct vg_config *c, const char *arg, struct vg_diag *diag)
{
	struct reader r = { .c = c, .diag = diag, .file = "-o" };
	const char *eq = strchr(arg, '=');
	const struct key *k;
	struct vg_srcpos pos = { .file = "-o", .line = 1, .col = 1 };
	char name[256];
	unsigned errors = diag->errors;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
		vg_diag_error(diag, &pos, "'%s': expected key=value", arg);
		return -1;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	k = find_key(name);
	if (!k || k->type == K_INCLUDES) {
		vg_diag_error(diag, &pos, "unknown key '%s'", name);
		return -1;
	}
	r.col_base = (unsigned)(eq - arg) + 1;
	if (apply_text(&r, name, eq + 1, strlen(eq + 1)) || diag->errors != errors)
		return -1;
	c->overrides = arena_push(&c->arena, c->overrides, c->noverrides, sizeof(*c->overrides));
	if (!c->overrides)
		return -1;
	c->overrides[c->noverrides++] = arena_strdup(&c->arena, arg);
	return 0;
}

int vg_config_set_flag(struct vg_config *c, const char *flag, const char *key, const char *value)
{
	const struct key *k = find_key(key);
	const char *msg = k ? set_value(c, k, value, true) : "no such setting";

	if (msg) {
		fprintf(stderr, "vigil: %s: '%s': %s\n", flag, value, msg);
		return -1;
	}
	return 0;
}

int vg_config_add_flag(struct vg_config *c, const char *key, const char *value, bool first)
{
	const struct key *k = find_key(key);
	const char ***arr = field(c, k->off);
	size_t *cnt = field(c, k->noff);

	if (first)
		*cnt = 0;
	*arr = arena_push(&c->arena, (void *)*arr, *cnt, sizeof(**arr));
	if (!*arr)
		return -1;
	(*arr)[(*cnt)++] = value;
	return 0;
}

int vg_config_validate(const struct vg_config *c, struct vg_diag *diag)
{
	struct vg_srcpos pos = { .file = c->path ? c->path : "configuration", .line = 1, .col = 1 };
	unsigned errors = diag->errors;

	for (size_t i = 0; i < c->nappend_output; i++) {
		const struct vg_append_output *a = &c->append_output[i];

		for (size_t k = 0; k < a->nextra; k++)
			if (!a->extra_vals[k] && !vg_alert_field_ok(a->extra_keys[k]))
				vg_diag_error(diag, &pos,
					      "append_output: extra_fields: '%s' is not a field vigil "
					      "knows",
					      a->extra_keys[k]);
	}
	if (c->file_enabled && (!c->file_filename || !*c->file_filename))
		vg_diag_error(diag, &pos, "file_output: enabled without a filename");
	if (c->program_enabled && (!c->program || !*c->program))
		vg_diag_error(diag, &pos, "program_output: enabled without a program");
	if (c->http_enabled && (!c->http_url || !*c->http_url))
		vg_diag_error(diag, &pos, "http_output: enabled without a url");
	if (c->http_enabled && c->http_url && strncmp(c->http_url, "http://", 7) &&
	    strncmp(c->http_url, "https://", 8))
		vg_diag_error(diag, &pos, "http_output.url: '%s' is not an http:// or https:// URL",
			      c->http_url);
	if (c->web_healthz[0] != '/')
		vg_diag_error(diag, &pos,
			      "webserver.k8s_healthz_endpoint: '%s' does not start with '/'",
			      c->web_healthz);
	if (c->metrics_enabled && c->metrics_interval_s < 1)
		vg_diag_error(diag, &pos, "metrics.interval: at least 1s");
	if (c->control_socket && strlen(c->control_socket) >= 108)
		vg_diag_error(diag, &pos, "vigil.control_socket: longer than a socket path can be");
	if (c->nats_enabled && (!c->nats_spool_dir || !*c->nats_spool_dir))
		vg_diag_error(diag, &pos, "nats_output: enabled without a spool_dir");
	if (c->nats_enabled && c->nats_spool_max < (64u << 10))
		vg_diag_error(diag, &pos, "nats_output.spool_max_size: at least 64K");
	if (c->nats_enabled && (!c->nats_subject_prefix || !*c->nats_subject_prefix ||
				strpbrk(c->nats_subject_prefix, "*> \t") ||
				c->nats_subject_prefix[strlen(c->nats_subject_prefix) - 1] == '.'))
		vg_diag_error(diag, &pos,
			      "nats_output.subject_prefix: '%s' is not a subject prefix (tokens "
			      "separated by '.', no wildcards)",
			      c->nats_subject_prefix ? c->nats_subject_prefix : "");
	if (c->nats_enabled && (!c->nats_stream || !*c->nats_stream ||
				strpbrk(c->nats_stream, ".*> \t")))
		vg_diag_error(diag, &pos, "nats_output.stream: '%s' is not a stream name",
			      c->nats_stream ? c->nats_stream : "");
	if ((c->nats_tls_cert && *c->nats_tls_cert) != (c->nats_tls_key && *c->nats_tls_key))
		vg_diag_error(diag, &pos, "nats_output.tls: a cert needs its key, a key its cert");
	if ((c->fleet_enabled || c->fleet_rules) && c->fleet_heartbeat_s < 1)
		vg_diag_error(diag, &pos, "fleet.heartbeat_interval: at least 1s");
	if (c->hostname && !*c->hostname)
		vg_diag_error(diag, &pos, "vigil.hostname: empty");
	if (c->docker_socket && strlen(c->docker_socket) >= 108)
		vg_diag_error(diag, &pos, "vigil.docker_socket: longer than a socket path can be");
	return diag->errors != errors ? -1 : 0;
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

const char *vg_config_restart_key(const struct vg_config *a, const struct vg_config *b)
{
	if (a->user_filter != b->user_filter)
		return "vigil.filter";
	if (a->ringbuf != b->ringbuf)
		return "vigil.ringbuf";
	if (a->lifecycle_ringbuf != b->lifecycle_ringbuf)
		return "vigil.lifecycle_ringbuf";
	if (a->max_kills != b->max_kills)
		return "vigil.max_kills";
	if (a->nnever_kill != b->nnever_kill)
		return "vigil.never_kill";
	for (size_t i = 0; i < a->nnever_kill; i++)
		if (strcmp(a->never_kill[i], b->never_kill[i]))
			return "vigil.never_kill";
	if (str_differs(a->docker_socket, b->docker_socket))
		return "vigil.docker_socket";
	if (a->pin != b->pin)
		return "vigil.pin";
	if (a->protect_self != b->protect_self)
		return "vigil.protect_self";
	if (a->mode != b->mode)
		return "vigil.mode (use 'vigil mode' to change the mode cap at run time)";
	if (str_differs(a->control_file, b->control_file))
		return "vigil.control_file";
	if (str_differs(a->control_socket, b->control_socket))
		return "vigil.control_socket";
	if (str_differs(a->audit_file, b->audit_file))
		return "vigil.audit_file";
	if (a->web_enabled != b->web_enabled || a->web_port != b->web_port ||
	    str_differs(a->web_address, b->web_address) ||
	    str_differs(a->web_healthz, b->web_healthz) || a->web_prometheus != b->web_prometheus)
		return "webserver";
	if (a->fleet_enabled != b->fleet_enabled || a->fleet_rules != b->fleet_rules ||
	    a->fleet_heartbeat_s != b->fleet_heartbeat_s)
		return "fleet";
	if (str_differs(a->hostname, b->hostname))
		return "vigil.hostname";
	if ((a->fleet_enabled || a->fleet_rules) &&
	    (a->nats_nservers != b->nats_nservers || str_differs(a->nats_creds, b->nats_creds) ||
	     str_differs(a->nats_tls_ca, b->nats_tls_ca) ||
	     str_differs(a->nats_tls_cert, b->nats_tls_cert) ||
	     str_differs(a->nats_tls_key, b->nats_tls_key)))
		return "nats_output connection (servers, creds, tls: the fleet connection uses them)";
	for (size_t i = 0; (a->fleet_enabled || a->fleet_rules) && i < a->nats_nservers; i++)
		if (strcmp(a->nats_servers[i], b->nats_servers[i]))
			return "nats_output.servers (the fleet connection uses them)";
	if (a->log_syslog != b->log_syslog || a->log_stderr != b->log_stderr ||
	    str_differs(a->log_level, b->log_level))
		return "log_*";
	return NULL;
}
