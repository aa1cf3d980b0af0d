/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vigil.yaml: the agent's configuration, with Falco's key names and
 * meanings wherever vigil has the feature (so that falco.yaml's output,
 * webserver and priority sections carry over), and vigil's own settings
 * under `vigil:`. Read with libyaml; every value keeps its file:line:col
 * for errors. Layers, later ones winning: built-in defaults, the file,
 * the drop-ins its `config_files:` names (files, or directories whose
 * .yaml/.yml files are read in name order), `-o key=value` overrides,
 * then command-line flags (vg_config_set_flag).
 *
 * Ownership: every string and list hangs off the config's arena and is
 * freed by vg_config_release(). Errors are reported through a vg_diag as
 * `file:line:col: message`; a config with errors must not be used (the
 * caller exits 2, or keeps the running config on a reload).
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "output/alert.h"
#include "rules/diag.h"
#include "rules/ruleset.h"

/* Where vigil looks for its configuration when --config is not given. */
#define VG_CONFIG_DEFAULT "/etc/vigil/vigil.yaml"
#define VG_CONTROL_SOCKET_DEFAULT "/run/vigil/vigil.sock"

struct vg_config {
	struct arena arena;
	/* Falco's keys */
	const char **rules_files;
	size_t nrules_files;
	enum vg_prio priority; /* the least severe priority sent to outputs */
	bool json_output;
	bool json_include_output_property;
	bool json_include_tags_property;
	bool json_include_output_fields_property;
	struct vg_append_output *append_output;
	size_t nappend_output;
	bool stdout_enabled;
	bool file_enabled, file_keep_alive;
	const char *file_filename;
	bool syslog_enabled;
	bool program_enabled, program_keep_alive;
	const char *program;
	bool http_enabled, http_insecure, http_mtls, http_compress, http_keep_alive;
	const char *http_url, *http_user_agent, *http_ca_cert, *http_ca_bundle, *http_ca_path;
	const char *http_client_cert, *http_client_key;
	int64_t http_max_consecutive_timeouts;
	bool web_enabled, web_prometheus;
	const char *web_address;
	int64_t web_port;
	const char *web_healthz;
	bool metrics_enabled, metrics_output_rule;
	double metrics_interval_s;
	bool log_stderr, log_syslog;
	const char *log_level;
	bool watch_config_files;
	int64_t outputs_queue_capacity;
	/* nats_output: alerts to JetStream through an on-disk spool (docs/FLEET.md) */
	bool nats_enabled;
	const char **nats_servers; /* none: nats://127.0.0.1:4222 */
	size_t nats_nservers;
	const char *nats_subject_prefix, *nats_stream;
	const char *nats_creds, *nats_tls_ca, *nats_tls_cert, *nats_tls_key;
	const char *nats_spool_dir;
	uint64_t nats_spool_max; /* bytes */
	/* fleet: heartbeats and the fleet's ruleset, over nats_output's
	 * connection settings */
	bool fleet_enabled, fleet_rules;
	double fleet_heartbeat_s;
	/* vigil's own (`vigil:` section) */
	const char *hostname; /* NULL: gethostname() */
	enum vg_mode mode;
	bool user_filter;
	size_t ringbuf, lifecycle_ringbuf; /* bytes; 0: the loader's default */
	int64_t max_kills;
	const char **never_kill;
	size_t nnever_kill;
	const char *docker_socket; /* NULL: the default */
	bool pin, protect_self;
	const char *control_file;   /* NULL: none */
	const char *control_socket; /* "" : none */
	const char *audit_file;	    /* NULL: none */
	const char *syslog_socket;
	double http_timeout_s;
	double aggregation_window_s; /* 0: off */
	double stats_interval_s;
	/* where the configuration came from (for messages and reloads) */
	const char *path; /* NULL: none read */
	const char **files; /* drop-ins read (config_files), for watch_config_files */
	size_t nfiles;
	const char **overrides; /* the -o arguments, in order */
	size_t noverrides;
};

/* Defaults: what vigil does with no configuration file. */
void vg_config_init(struct vg_config *c);
void vg_config_release(struct vg_config *c);

/*
 * Read `path` and the drop-ins it names into c. `required`: a missing file
 * is an error (--config given); else a missing file is no error. 0, or -1
 * after reporting every error to diag.
 */
int vg_config_load(struct vg_config *c, const char *path, bool required, struct vg_diag *diag);

/* Apply one `-o key=value` (value in YAML: `true`, `5`, `[a, b]`, a
 * string). 0, or -1 after reporting (as "-o:1:COL: message"). Recorded in
 * c->overrides for reloads. */
int vg_config_override(struct vg_config *c, const char *arg, struct vg_diag *diag);

/* Apply a command-line flag's value, taken as written (no YAML), to key.
 * 0, or -1 after reporting ("--flag: message"). */
int vg_config_set_flag(struct vg_config *c, const char *flag, const char *key, const char *value);
/* Append to a list key (rules_files, vigil.never_kill) from a repeated
 * flag; the first call replaces the file's list. */
int vg_config_add_flag(struct vg_config *c, const char *key, const char *value, bool first);

/* Checks across keys, once every layer is in (a sink enabled without its
 * target, an unknown extra_fields field, ...). 0, or -1 after reporting. */
int vg_config_validate(const struct vg_config *c, struct vg_diag *diag);

/* Keys whose change a running agent cannot take (ring sizes, filter,
 * webserver, ...): the first that differs between a and b, or NULL. */
const char *vg_config_restart_key(const struct vg_config *a, const struct vg_config *b);

/* Parse "5s", "1m", "2h", "500ms", "1.5" (seconds). -1 when invalid. */
double vg_config_duration(const char *s);

#endif /* VIGIL_CONFIG_H */
