// SPDX-License-Identifier: Apache-2.0
/* Unit tests: config/config (vigil.yaml) and engine/fold (repeats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/fold.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load `text` as a config file; diagnostics land in `out`. */
static int load(struct vg_config *c, const char *text, char *out, size_t size)
{
	char path[128];
	FILE *mem = fmemopen(out, size, "w");
	struct vg_diag d = { .out = mem };
	int rc;

	put("c.yaml", text);
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	vg_config_init(c);
	rc = vg_config_load(c, path, true, &d);
	fclose(mem);
	return rc;
}

static void test_defaults(void **state)
{
	struct vg_config c;

	vg_config_init(&c);
	assert_true(c.json_output);
	assert_true(c.stdout_enabled);
	assert_false(c.syslog_enabled);
	assert_int_equal(c.web_port, 8765);
	assert_string_equal(c.web_address, "127.0.0.1");
	assert_string_equal(c.web_healthz, "/healthz");
	assert_int_equal(c.priority, VG_PRIO_DEBUG);
	assert_int_equal(c.mode, VG_MODE_ENFORCE);
	assert_int_equal(c.outputs_queue_capacity, 10000);
	vg_config_release(&c);
}

/* Falco's sections as a falco.yaml writes them. */
static void test_falco_sections(void **state)
{
	struct vg_config c;
	char err[1024] = "";

	assert_int_equal(load(&c,
			      "priority: warning\n"
			      "json_output: false\n"
			      "json_include_tags_property: false\n"
			      "http_output:\n"
			      "  enabled: true\n"
			      "  url: \"http://sidekick:2801/\"\n"
			      "  insecure: true\n"
			      "  echo: false\n"
			      "  max_consecutive_timeouts: 3\n"
			      "webserver:\n"
			      "  enabled: true\n"
			      "  threadiness: 0\n"
			      "  listen_port: 8766\n"
			      "  k8s_healthz_endpoint: /health\n"
			      "metrics:\n"
			      "  enabled: true\n"
			      "  interval: 15m\n"
			      "  output_rule: true\n"
			      "  rules_counters_enabled: true\n"
			      "vigil:\n"
			      "  mode: alert\n"
			      "  ringbuf: 16M\n"
			      "  never_kill: [/usr/sbin/sshd]\n"
			      "  aggregation_window: 500ms\n",
			      err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(c.priority, VG_PRIO_WARNING);
	assert_false(c.json_output);
	assert_false(c.json_include_tags_property);
	assert_true(c.http_enabled);
	assert_string_equal(c.http_url, "http://sidekick:2801/");
	assert_true(c.http_insecure);
	assert_int_equal(c.http_max_consecutive_timeouts, 3);
	assert_int_equal(c.web_port, 8766);
	assert_string_equal(c.web_healthz, "/health");
	assert_true(c.metrics_interval_s == 900);
	assert_int_equal(c.mode, VG_MODE_ALERT);
	assert_int_equal(c.ringbuf, 16 << 20);
	assert_int_equal(c.nnever_kill, 1);
	assert_string_equal(c.never_kill[0], "/usr/sbin/sshd");
	assert_true(c.aggregation_window_s == 0.5);
	vg_config_release(&c);
}

static void test_errors_have_positions(void **state)
{
	struct vg_config c;
	char err[2048] = "", want[256];

	assert_int_equal(load(&c,
			      "json_output: \"true\"\n"
			      "stdout_output: yes\n"
			      "file_output:\n"
			      "  enabled: true\n"
			      "  keepalive: true\n"
			      "grpc_output: {enabled: false}\n"
			      "outputs_queue: {capacity: -1}\n",
			      err, sizeof(err)),
			 -1);
	/* a quoted "true" is a string, as YAML says */
	snprintf(want, sizeof(want), "%s/c.yaml:1:14: json_output: expected a boolean", dir);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/c.yaml:2:16: stdout_output: expected a mapping", dir);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/c.yaml:5:3: unknown key 'file_output.keepalive'", dir);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/c.yaml:6:1: 'grpc_output': a Falco key vigil does not take",
		 dir);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/c.yaml:7:27: outputs_queue.capacity: integer out of range",
		 dir);
	assert_non_null(strstr(err, want));
	vg_config_release(&c);
	/* broken YAML */
	err[0] = '\0';
	assert_int_equal(load(&c, "a: [1, 2\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "YAML: "));
	vg_config_release(&c);
}

/* defaults < file < drop-ins (directory, in name order) < -o < flags */
static void test_layers(void **state)
{
	char path[128], sub[128], inc[512], err[1024] = "";
	FILE *mem = fmemopen(err, sizeof(err), "w");
	struct vg_diag d = { .out = mem };
	struct vg_config c;

	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	mkdir(sub, 0700);
	put("conf.d/20-b.yaml", "priority: error\nfile_output: {filename: /b}\n");
	put("conf.d/10-a.yaml", "priority: notice\nfile_output: {filename: /a, enabled: true}\n");
	put("conf.d/ignored.txt", "not: yaml: at: all\n");
	snprintf(inc, sizeof(inc),
		 "priority: debug\nrules_files: [/x.yaml, /y.yaml]\nconfig_files: [%s, %s/none]\n",
		 sub, dir);
	put("main.yaml", inc);
	snprintf(path, sizeof(path), "%s/main.yaml", dir);
	vg_config_init(&c);
	assert_int_equal(vg_config_load(&c, path, true, &d), 0);
	assert_int_equal(c.priority, VG_PRIO_ERROR);
	assert_string_equal(c.file_filename, "/b");
	assert_true(c.file_enabled);
	assert_int_equal(c.nfiles, 2);
	assert_int_equal(vg_config_override(&c, "priority=critical", &d), 0);
	assert_int_equal(vg_config_override(&c, "rules_files=[/z.yaml]", &d), 0);
	assert_int_equal(c.priority, VG_PRIO_CRITICAL);
	assert_int_equal(c.nrules_files, 1);
	assert_string_equal(c.rules_files[0], "/z.yaml");
	assert_int_equal(vg_config_set_flag(&c, "--mode", "vigil.mode", "observe"), 0);
	assert_int_equal(c.mode, VG_MODE_OBSERVE);
	assert_int_equal(vg_config_add_flag(&c, "rules_files", "/cli.yaml", true), 0);
	assert_int_equal(c.nrules_files, 1);
	assert_string_equal(c.rules_files[0], "/cli.yaml");
	/* an override's error points into the argument */
	assert_int_equal(vg_config_override(&c, "webserver.listen_port=0", &d), -1);
	assert_int_equal(vg_config_override(&c, "nope", &d), -1);
	fflush(mem);
	assert_non_null(strstr(err, "-o:1:23: webserver.listen_port: integer out of range"));
	assert_non_null(strstr(err, "-o:1:1: 'nope': expected key=value"));
	fclose(mem);
	vg_config_release(&c);
}

static void test_validate_and_restart_keys(void **state)
{
	char err[1024] = "";
	FILE *mem = fmemopen(err, sizeof(err), "w");
	struct vg_diag d = { .out = mem };
	struct vg_config a, b;

	vg_config_init(&a);
	vg_config_init(&b);
	assert_int_equal(vg_config_validate(&a, &d), 0);
	b.http_enabled = true;
	b.http_url = "ftp://x/";
	assert_int_equal(vg_config_validate(&b, &d), -1);
	fflush(mem);
	assert_non_null(strstr(err, "is not an http:// or https:// URL"));
	assert_null(vg_config_restart_key(&a, &b)); /* outputs change live */
	b.ringbuf = 1 << 20;
	assert_string_equal(vg_config_restart_key(&a, &b), "vigil.ringbuf");
	fclose(mem);
	vg_config_release(&a);
	vg_config_release(&b);
}

static void test_durations(void **state)
{
	assert_true(vg_config_duration("30s") == 30);
	assert_true(vg_config_duration("5m") == 300);
	assert_true(vg_config_duration("1h") == 3600);
	assert_true(vg_config_duration("250ms") == 0.25);
	assert_true(vg_config_duration("2") == 2);
	assert_true(vg_config_duration("2x") < 0);
	assert_true(vg_config_duration("-1s") < 0);
}

static int nflushed;
static uint64_t last_count;

static void on_flush(void *ctx, const struct vg_fold_entry *e)
{
	nflushed++;
	last_count = e->count;
}

static void test_fold(void **state)
{
	static const struct vg_rule r1 = { .name = "one" }, r2 = { .name = "two" };
	struct vg_fold f;
	uint64_t s = 1000000000ull;

	vg_fold_init(&f, 0);
	assert_false(vg_fold_seen(&f, &r1, "x", 1, s));
	assert_false(vg_fold_seen(&f, &r1, "x", 1, s)); /* off: nothing folds */
	vg_fold_release(&f);

	vg_fold_init(&f, 2);
	assert_false(vg_fold_seen(&f, &r1, "x", 1, 10 * s)); /* first: sent */
	assert_true(vg_fold_seen(&f, &r1, "x", 1, 10 * s + 1));
	assert_true(vg_fold_seen(&f, &r1, "x", 1, 11 * s));
	assert_false(vg_fold_seen(&f, &r2, "x", 1, 11 * s)); /* other rule */
	assert_false(vg_fold_seen(&f, &r1, "xy", 2, 11 * s)); /* other output */
	nflushed = 0;
	vg_fold_flush(&f, 11 * s, false, on_flush, NULL);
	assert_int_equal(nflushed, 0); /* windows still open */
	vg_fold_flush(&f, 12 * s, false, on_flush, NULL);
	assert_int_equal(nflushed, 1); /* only the window with repeats speaks */
	assert_int_equal(last_count, 3);
	assert_int_equal(f.used, 2); /* r2 and "xy" opened at 11 s */
	vg_fold_flush(&f, 13 * s, false, on_flush, NULL);
	assert_int_equal(f.used, 0);
	/* a full table lets matches through, never drops */
	for (unsigned i = 0; i < VG_FOLD_SLOTS + 10; i++) {
		char k[16];

		snprintf(k, sizeof(k), "%u", i);
		assert_false(vg_fold_seen(&f, &r1, k, strlen(k), 20 * s));
	}
	assert_int_equal(f.used, VG_FOLD_SLOTS - 1);
	/* every one is still found after removals shifted the chains */
	vg_fold_flush(&f, 20 * s, true, on_flush, NULL);
	assert_int_equal(f.used, 0);
	vg_fold_release(&f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-config-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_falco_sections),
		cmocka_unit_test(test_errors_have_positions),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_validate_and_restart_keys),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
