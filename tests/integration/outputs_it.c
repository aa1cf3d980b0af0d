// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of alert delivery and of the agent's operations side:
 * vigil.yaml (errors with positions, the shipped default), every sink at
 * once against real receivers (a file, an rsyslogd this test starts, a
 * long-lived program, a Python HTTP server that can fail, stall and
 * recover), SIGUSR1 reopening a rotated file, SIGHUP with a bad or a
 * restart-only configuration (refused, the old one stays) and with a good
 * one (applied), /metrics against --stats, /healthz before and after the
 * ready line, and drops when a sink's queue is full (counted and alerted).
 * The rule matches only files below this test's own directory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 15000
#define RULE "OPS marker opened"

static char tmpdir[64], cfg_path[128];
static struct vigil_proc agent, agent2; /* agent2: test_healthz_and_drops's */
static pid_t receiver = -1, rsyslog = -1;
static unsigned short http_port, web_port;

/* The HTTP receiver: records the body of each POST it accepts (one line
 * each, newlines escaped) and answers as the mode file says: ok (200),
 * fail (500, not recorded) or stall (3 s, then 503, not recorded). */
static const char receiver_py[] =
	"import http.server, socketserver, sys, time, os, threading\n"
	"portfile, bodies, modefile = sys.argv[1:4]\n"
	"lock = threading.Lock()\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    protocol_version = 'HTTP/1.1'\n"
	"    def log_message(self, *a): pass\n"
	"    def do_POST(self):\n"
	"        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))\n"
	"        try:\n"
	"            mode = open(modefile).read().strip()\n"
	"        except OSError:\n"
	"            mode = 'ok'\n"
	"        code = 200\n"
	"        if mode == 'stall':\n"
	"            time.sleep(3)\n"
	"            code = 503\n"
	"        elif mode == 'fail':\n"
	"            code = 500\n"
	"        else:\n"
	"            with lock, open(bodies, 'ab') as f:\n"
	"                f.write(body.replace(b'\\n', b'\\\\n') + b'\\n')\n"
	"        self.send_response(code)\n"
	"        self.send_header('Content-Length', '0')\n"
	"        self.end_headers()\n"
	"class S(socketserver.ThreadingMixIn, http.server.HTTPServer):\n"
	"    daemon_threads = True\n"
	"s = S(('127.0.0.1', 0), H)\n"
	"with open(portfile + '.tmp', 'w') as f: f.write(str(s.server_address[1]))\n"
	"os.rename(portfile + '.tmp', portfile)\n"
	"s.serve_forever()\n";

/* --- helpers ------------------------------------------------------------------- */

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

static int write_file(const char *path, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* How many lines of the file at `name` contain `needle`. */
static int count_in(const char *name, const char *needle)
{
	char path[160], *buf, *line, *save = NULL;
	int n = 0;

	path_of(path, sizeof(path), name);
	buf = read_all(path);
	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += strstr(line, needle) != NULL;
	free(buf);
	return n;
}

/* Wait until the file holds `needle` `want` times (a sink writes it from
 * its own thread: there is no line on vigil's stderr to wait for). */
static bool wait_in(const char *name, const char *needle, int want, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (count_in(name, needle) < want) {
		if (now_ms() > end)
			return false;
		vigil_pump(&agent, 50);
	}
	return true;
}

/* Open a file the rule watches: DIR/m-<marker>. */
static void trigger(const char *marker)
{
	char path[160], name[96];
	int fd;

	snprintf(name, sizeof(name), "m-%s", marker);
	path_of(path, sizeof(path), name);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static bool alert_for_marker(json_t *ev, void *ctx)
{
	const char *name = alert_str(ev, "fd.name");
	const char *rule = jstr(ev, "rule");

	return rule && !strcmp(rule, RULE) && name && strstr(name, (const char *)ctx);
}

static bool rule_is(json_t *ev, void *ctx)
{
	const char *rule = jstr(ev, "rule");

	return rule && !strcmp(rule, (const char *)ctx);
}

static json_t *trigger_and_wait(struct vigil_proc *v, const char *marker)
{
	char want[96];

	snprintf(want, sizeof(want), "/m-%s", marker);
	trigger(marker);
	return vigil_wait(v, alert_for_marker, want, WAIT_MS);
}

/* GET path from 127.0.0.1:port: the status (-1: no answer), the body in
 * body (NUL-terminated, cut at size). */
static int http_get(unsigned short port, const char *path, char *body, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[256], *buf = NULL, *p;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, status = -1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, 4096);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return -1;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	p = strstr(buf, "\r\n\r\n");
	if (body && size)
		snprintf(body, size, "%s", p ? p + 4 : "");
	free(buf);
	return status;
}

/* One sample of the /metrics text: `name{labels}` -> value, -1 if absent. */
static double metric(const char *text, const char *series)
{
	size_t l = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, series, l) && p[l] == ' ')
			return strtod(p + l + 1, NULL);
	return -1;
}

static pid_t spawn_argv(const char *const *argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static bool wait_path(const char *path, int timeout_ms)
{
	struct stat st;
	long long end = now_ms() + timeout_ms;

	while (stat(path, &st)) {
		struct timespec ts = { 0, 20000000 };

		if (now_ms() > end)
			return false;
		nanosleep(&ts, NULL); /* a poll for a file another process makes */
	}
	return true;
}

static void set_receiver(const char *mode)
{
	char path[160];

	path_of(path, sizeof(path), "http.mode");
	write_file(path, "%s\n", mode);
}

/* falcosidekick's payload struct, field by field: output, priority, rule,
 * source and hostname strings; time an RFC 3339 time; output_fields a map
 * of scalars; tags strings. Priority is one of Falco's names. */
static void assert_sidekick_types(json_t *ev)
{
	static const char *const strs[] = { "output", "priority", "rule", "source", "hostname",
					    "time" };
	static const char *const prios[] = { "Emergency", "Alert",  "Critical",	   "Error",
					     "Warning",	  "Notice", "Informational", "Debug" };
	const char *k;
	json_t *v, *of = json_object_get(ev, "output_fields");
	struct tm tm = { 0 };
	const char *end;
	bool prio = false;
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		assert_true(json_is_string(json_object_get(ev, strs[i])));
	for (i = 0; i < 8; i++)
		prio |= !strcmp(jstr(ev, "priority"), prios[i]);
	assert_true(prio);
	end = strptime(jstr(ev, "time"), "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(end);
	assert_true(end[0] == '.' && strlen(end) == 11 && end[10] == 'Z');
	assert_true(json_is_object(of));
	json_object_foreach(of, k, v)
		assert_true(json_is_string(v) || json_is_integer(v) || json_is_real(v) ||
			    json_is_boolean(v) || json_is_null(v));
	/* tags: omitempty in the struct (json_include_tags_property: false) */
	v = json_object_get(ev, "tags");
	assert_true(!v || json_is_array(v));
	for (i = 0; v && i < json_array_size(v); i++)
		assert_true(json_is_string(json_array_get(v, i)));
	/* Falco's output: the time of day and the priority first, no newline */
	assert_int_equal(strncmp(jstr(ev, "output"), jstr(ev, "time") + 11, 18), 0);
	assert_null(strchr(jstr(ev, "output"), '\n'));
}

/* --- the suite's agent ----------------------------------------------------------- */

static int write_config(const char *extra)
{
	char rules[160];

	path_of(rules, sizeof(rules), "rules.yaml");
	return write_file(cfg_path,
			  "rules_files: [%s]\n"
			  "file_output: {enabled: true, keep_alive: true, filename: %s/alerts.json}\n"
			  "syslog_output: {enabled: true}\n"
			  "program_output:\n"
			  "  enabled: true\n"
			  "  keep_alive: true\n"
			  "  program: \"cat >> %s/program.out\"\n"
			  "http_output: {enabled: true, url: \"http://127.0.0.1:%u/\"}\n"
			  "webserver: {enabled: true, listen_port: %u}\n"
			  "metrics: {enabled: true, interval: 1s, output_rule: true}\n"
			  "vigil:\n"
			  "  syslog_socket: %s/log\n"
			  "  http_timeout: 1s\n"
			  "  ringbuf: 1M\n"
			  "  aggregation_window: 2s\n"
			  "%s",
			  rules, tmpdir, tmpdir, http_port, web_port, tmpdir, extra ? extra : "");
}

static int free_port(unsigned short *out)
{
	int fd = listen_tcp("127.0.0.1", 0, out);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int group_setup(void **state)
{
	char path[160], port_file[160], bodies[160], mode[160], script[160], conf[160], buf[32];
	const char *argv[] = { "vigil", "run", "--config", cfg_path, "--stats", NULL };
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-outputs-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/vigil.yaml", tmpdir);
	path_of(path, sizeof(path), "rules.yaml");
	if (write_file(path,
		       "- rule: " RULE "\n"
		       "  desc: a file below the outputs test's directory\n"
		       "  condition: evt.type in (open, openat) and fd.name startswith %s/m-\n"
		       "  output: \"marker %%fd.name opened by %%proc.name\"\n"
		       "  priority: WARNING\n"
		       "  tags: [T1000, ops]\n",
		       tmpdir))
		return -1;
	/* the HTTP receiver */
	path_of(script, sizeof(script), "recv.py");
	path_of(port_file, sizeof(port_file), "http.port");
	path_of(bodies, sizeof(bodies), "http.bodies");
	path_of(mode, sizeof(mode), "http.mode");
	if (write_file(script, "%s", receiver_py))
		return -1;
	set_receiver("ok");
	{
		const char *pargv[] = { "python3", script, port_file, bodies, mode, NULL };

		receiver = spawn_argv(pargv);
	}
	if (receiver < 0 || !wait_path(port_file, 20000))
		return -1;
	f = fopen(port_file, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	fclose(f);
	http_port = (unsigned short)atoi(buf);
	/* rsyslogd on a socket of its own, writing to a file of its own */
	path_of(conf, sizeof(conf), "rsyslog.conf");
	if (write_file(conf,
		       "global(workDirectory=\"%s\")\n"
		       "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
		       "input(type=\"imuxsock\" Socket=\"%s/log\")\n"
		       "*.* action(type=\"omfile\" file=\"%s/syslog.out\")\n",
		       tmpdir, tmpdir, tmpdir))
		return -1;
	{
		char pidfile[160];
		const char *rargv[] = { "rsyslogd", "-n", "-f", conf, "-i", pidfile, NULL };

		path_of(pidfile, sizeof(pidfile), "rsyslog.pid");
		path_of(path, sizeof(path), "log");
		rsyslog = spawn_argv(rargv);
		if (rsyslog < 0 || !wait_path(path, 20000)) {
			fprintf(stderr, "# rsyslogd did not create its socket %s\n", path);
			return -1;
		}
	}
	if (free_port(&web_port) || write_config(NULL))
		return -1;
	return group_agent_start(&agent, argv);
}

static void stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (agent2.pid > 0)
		vigil_free(&agent2);
	stop_child(&receiver);
	stop_child(&rsyslog);
	return group_agent_end(&agent, tmpdir);
}

/* --- tests ------------------------------------------------------------------------ */

/* Bad configurations: every error with its position, exit 2, nothing started. */
static void test_config_errors(void **state)
{
	char bad[160];
	const char *check[] = { "vigil", "check", "--config", bad, NULL };
	const char *run[] = { "vigil", "run", "--config", bad, "--duration", "1", NULL };
	const char *over[] = { "vigil", "check", "--config", "config/vigil.yaml", "-o",
			       "webserver.listen_port=http", NULL };
	const char *good[] = { "vigil", "check", "--config", "config/vigil.yaml", NULL };
	struct vigil_proc v = { 0 };
	int st;

	(void)state;
	path_of(bad, sizeof(bad), "bad.yaml");
	assert_int_equal(write_file(bad, "priority: warnin\n"
					 "http_output:\n"
					 "  enabled: yes\n"
					 "  urll: http://x/\n"
					 "engine:\n"
					 "  kind: modern_ebpf\n"
					 "vigil:\n"
					 "  ringbuf: 3M\n"
					 "  pin: [true]\n"),
			 0);
	st = vigil_run_to_end(&v, check, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	{
		char want[5][400];

		snprintf(want[0], 400, "%s:1:11: priority: expected a priority", bad);
		snprintf(want[1], 400, "%s:4:3: unknown key 'http_output.urll'", bad);
		snprintf(want[2], 400, "%s:5:1: 'engine': a Falco key vigil does not take", bad);
		snprintf(want[3], 400, "%s:8:12: vigil.ringbuf: expected a power of two", bad);
		snprintf(want[4], 400, "%s:9:8: vigil.pin: expected a single value", bad);
		for (int i = 0; i < 5; i++)
			assert_non_null(strstr(v.err, want[i]));
	}
	vigil_free(&v);
	st = vigil_run_to_end(&v, run, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_null(strstr(v.err, "ready"));
	vigil_free(&v);
	st = vigil_run_to_end(&v, over, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "-o:1:23: webserver.listen_port: expected an integer"));
	vigil_free(&v);
	/* the shipped default validates */
	v.keep_text = true;
	st = vigil_run_to_end(&v, good, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	vigil_free(&v);
}

/* One alert reaches stdout, the file, syslog, the program and the HTTP
 * receiver; what stdout and HTTP carry is falcosidekick's payload. */
static void test_all_sinks(void **state)
{
	char bodies[160], *buf, *line, *save = NULL;
	json_t *ev, *posted = NULL;

	(void)state;
	ev = trigger_and_wait(&agent, "all");
	assert_non_null(ev);
	assert_sidekick_types(ev);
	assert_true(wait_in("alerts.json", "/m-all", 1, WAIT_MS));
	assert_true(wait_in("syslog.out", "/m-all", 1, WAIT_MS));
	assert_true(wait_in("program.out", "/m-all", 1, WAIT_MS));
	assert_true(wait_in("http.bodies", "/m-all", 1, WAIT_MS));
	/* syslog: the JSON after the tag rsyslog parsed ("vigil[pid]:") */
	{
		char want[64];

		snprintf(want, sizeof(want), "vigil[%d]: {\"time\":", agent.pid);
		assert_int_equal(count_in("syslog.out", want), count_in("syslog.out", "/m-all"));
	}
	/* the POST body is one alert, exactly the JSON object */
	path_of(bodies, sizeof(bodies), "http.bodies");
	buf = read_all(bodies);
	assert_non_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "/m-all"))
			posted = json_loads(line, 0, NULL);
	free(buf);
	assert_non_null(posted);
	assert_sidekick_types(posted);
	assert_string_equal(jstr(posted, "rule"), RULE);
	assert_string_equal(jstr(posted, "output"), jstr(ev, "output"));
	json_decref(posted);
}

/* logrotate: rename the file, SIGUSR1, and the next alert goes to a new
 * file at the path, the old one keeps what it had. */
static void test_file_reopen(void **state)
{
	char path[160], rotated[160];

	(void)state;
	path_of(path, sizeof(path), "alerts.json");
	path_of(rotated, sizeof(rotated), "alerts.json.1");
	assert_int_equal(rename(path, rotated), 0);
	kill(agent.pid, SIGUSR1);
	assert_true(vigil_wait_stderr(&agent, "outputs reopened (SIGUSR1)", WAIT_MS));
	assert_non_null(trigger_and_wait(&agent, "rotated"));
	assert_true(wait_in("alerts.json", "/m-rotated", 1, WAIT_MS));
	assert_int_equal(count_in("alerts.json.1", "/m-rotated"), 0);
	assert_int_equal(count_in("alerts.json.1", "/m-all"), 1);
	assert_int_equal(count_in("alerts.json", "/m-all"), 0);
}

/* The receiver fails, then stalls past the timeout, then recovers: every
 * alert arrives once, none is dropped, the retries are counted. */
static void test_http_fail_stall_recover(void **state)
{
	static const char *const marks[] = { "fail1", "fail2", "fail3", "stall1", "stall2" };
	static char text[1 << 16];
	double retried;

	(void)state;
	set_receiver("fail");
	for (int i = 0; i < 3; i++)
		assert_non_null(trigger_and_wait(&agent, marks[i]));
	set_receiver("stall");
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	retried = metric(text, "vigil_output_retried_total{output=\"http\"}");
	assert_true(retried >= 1);
	for (int i = 3; i < 5; i++)
		assert_non_null(trigger_and_wait(&agent, marks[i]));
	/* two more retries: at least one of them met the stall and timed out
	 * (the other may have been a failure already in flight) */
	for (long long end = now_ms() + WAIT_MS;; vigil_pump(&agent, 100)) {
		assert_true(now_ms() < end);
		assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
		if (metric(text, "vigil_output_retried_total{output=\"http\"}") >= retried + 2)
			break;
	}
	set_receiver("ok");
	for (int i = 0; i < 5; i++) {
		char want[32];

		snprintf(want, sizeof(want), "/m-%s\"", marks[i]);
		assert_true(wait_in("http.bodies", want, 1, 30000));
	}
	for (int i = 0; i < 5; i++) {
		char want[32];

		snprintf(want, sizeof(want), "/m-%s\"", marks[i]);
		assert_int_equal(count_in("http.bodies", want), 1);
	}
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	assert_true(metric(text, "vigil_output_retried_total{output=\"http\"}") >= 3);
	assert_true(metric(text, "vigil_output_dropped_total{output=\"http\"}") == 0);
}

/* SIGHUP: a configuration with an error, or with a change that needs a
 * restart, is refused and the running one stays; a good one applies. */
static void test_reload(void **state)
{
	char path[160];
	static char text[1 << 16];
	json_t *ev;

	(void)state;
	assert_int_equal(write_file(cfg_path, "priority: [oops]\n"), 0);
	kill(agent.pid, SIGHUP);
	assert_true(vigil_wait_stderr(&agent, "reload: the configuration has errors", WAIT_MS));
	assert_non_null(strstr(agent.err, "vigil.yaml:1:11: priority: expected a single value"));
	ev = trigger_and_wait(&agent, "after-bad");
	assert_non_null(ev);
	assert_true(wait_in("http.bodies", "/m-after-bad", 1, WAIT_MS));
	assert_true(wait_in("alerts.json", "/m-after-bad", 1, WAIT_MS));
	/* a ring size cannot change under a running agent */
	assert_int_equal(write_config("  lifecycle_ringbuf: 1M\n"), 0);
	kill(agent.pid, SIGHUP);
	assert_true(vigil_wait_stderr(&agent, "vigil.lifecycle_ringbuf changed, which needs a restart",
				      WAIT_MS));
	/* a good one: tags off, an extra field on, priority kept */
	assert_int_equal(write_config(NULL), 0);
	path_of(path, sizeof(path), "vigil.yaml");
	{
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		fputs("json_include_tags_property: false\n"
		      "append_output:\n"
		      "  - match: {rule: \"" RULE "\"}\n"
		      "    extra_output: \"(pid %proc.pid)\"\n"
		      "    extra_fields: [proc.cmdline, {team: ops}]\n",
		      f);
		fclose(f);
	}
	kill(agent.pid, SIGHUP);
	assert_true(vigil_wait_stderr(&agent, "configuration reloaded", WAIT_MS));
	ev = trigger_and_wait(&agent, "after-good");
	assert_non_null(ev);
	assert_null(json_object_get(ev, "tags"));
	assert_string_equal(alert_str(ev, "team"), "ops");
	assert_non_null(alert_str(ev, "proc.cmdline"));
	{
		char tail[64];

		snprintf(tail, sizeof(tail), "(pid %lld)", alert_int(ev, "proc.pid"));
		assert_non_null(strstr(jstr(ev, "output"), tail));
	}
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	assert_true(metric(text, "vigil_reload_failures_total") == 2);
	assert_true(metric(text, "vigil_rules_generation") == 1);
}

static bool folded_alert(json_t *ev, void *ctx)
{
	const char *rule = jstr(ev, "rule");

	return rule && !strcmp(rule, RULE) && json_is_integer(json_object_get(ev, "count"));
}

/* vigil.aggregation_window: five opens of one file within the window send
 * the first alert at once, in full, then one alert that counts them all. */
static void test_fold_repeats(void **state)
{
	static char text[1 << 16];
	json_t *ev;

	(void)state;
	for (int i = 0; i < 5; i++)
		trigger("fold");
	ev = vigil_wait(&agent, folded_alert, NULL, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "count"), 5);
	assert_int_equal(alert_int(ev, "vigil.count"), 5);
	assert_non_null(strstr(jstr(ev, "output"), "/m-fold opened by"));
	assert_non_null(strstr(jstr(ev, "output"), "(5 times from "));
	assert_non_null(jstr(ev, "first_time"));
	assert_true(strcmp(jstr(ev, "first_time"), jstr(ev, "last_time")) <= 0);
	assert_sidekick_types(ev);
	/* the first one went out on its own, the repeats did not */
	assert_int_equal(vigil_count(&agent, alert_for_marker, "/m-fold"), 1);
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	assert_true(metric(text, "vigil_alerts_folded_total") == 4);
}

/* How often `what` is on v's stderr so far. */
static int stderr_count(const struct vigil_proc *v, const char *what)
{
	int n = 0;

	for (const char *p = v->err; p && (p = strstr(p, what)); p++)
		n++;
	return n;
}

static bool wait_stderr_count(struct vigil_proc *v, const char *what, int want, int timeout_ms)
{
	for (long long end = now_ms() + timeout_ms; stderr_count(v, what) < want;) {
		if (now_ms() > end)
			return false;
		vigil_pump(v, 50);
	}
	return true;
}

/* watch_config_files, turned on by a reload: a changed rules file is
 * reloaded without a signal. */
static void test_watch_config_files(void **state)
{
	char rules[160];
	int reloaded = stderr_count(&agent, "configuration reloaded");
	FILE *f = fopen(cfg_path, "a");
	json_t *ev;

	(void)state;
	assert_non_null(f);
	fputs("watch_config_files: true\n", f);
	fclose(f);
	kill(agent.pid, SIGHUP);
	assert_true(wait_stderr_count(&agent, "configuration reloaded", reloaded + 1, WAIT_MS));
	path_of(rules, sizeof(rules), "rules.yaml");
	assert_int_equal(write_file(rules,
				    "- rule: " RULE "\n"
				    "  desc: a file below the outputs test's directory\n"
				    "  condition: evt.type in (open, openat) and fd.name startswith %s/m-\n"
				    "  output: \"marker %%fd.name opened by %%proc.name\"\n"
				    "  priority: ERROR\n"
				    "  tags: [T1000, ops]\n",
				    tmpdir),
			 0);
	assert_true(vigil_wait_stderr(&agent, "a configuration or rules file changed: reloading",
				      WAIT_MS));
	assert_true(wait_stderr_count(&agent, "configuration reloaded", reloaded + 2, WAIT_MS));
	ev = trigger_and_wait(&agent, "watched");
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "priority"), "Error");
}

/* /metrics against --stats: the same numbers, read the same way. And the
 * metrics snapshot alert (metrics.output_rule, every second here). */
static void test_metrics_vs_stats(void **state)
{
	static char text[1 << 16];
	char line[200];
	double matches, alerts;

	(void)state;
	assert_non_null(vigil_wait(&agent, rule_is, "Falco internal: metrics snapshot", WAIT_MS));
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	/* the Prometheus text format: HELP and TYPE before each family */
	assert_non_null(strstr(text, "# TYPE vigil_events_seen_total counter\n"));
	assert_true(metric(text, "vigil_events_seen_total{type=\"openat\"}") > 0);
	assert_true(metric(text, "vigil_proctab_processes{state=\"live\"}") > 0);
	assert_true(metric(text, "vigil_resident_memory_bytes") > 0);
	matches = metric(text, "vigil_rule_matches_total{rule=\"" RULE "\"}");
	alerts = metric(text, "vigil_alerts_total");
	assert_true(matches >= 15);
	assert_int_equal(vigil_stop(&agent, 30000), 0);
	snprintf(line, sizeof(line), "stats: rule '" RULE "' matched %.0f\n", matches);
	assert_non_null(strstr(agent.err, line));
	snprintf(line, sizeof(line), "stats: alerts %.0f,", alerts);
	assert_non_null(strstr(agent.err, line));
	/* every sink in --stats, with at least what /metrics said it sent */
	{
		static const char *const sinks[] = { "stdout", "file", "syslog", "program", "http" };

		for (size_t i = 0; i < 5; i++) {
			char series[96], *p;

			snprintf(series, sizeof(series), "vigil_output_sent_total{output=\"%s\"}",
				 sinks[i]);
			snprintf(line, sizeof(line), "stats: output %s: sent ", sinks[i]);
			p = strstr(agent.err, line);
			assert_non_null(p);
			assert_true(strtod(p + strlen(line), NULL) >= metric(text, series));
			assert_true(metric(text, series) > 0);
		}
	}
}

/* A second agent: /healthz says 503 until the ready line, 200 after; an
 * HTTP sink that stalls with a queue of 4 drops, counted and alerted, and
 * delivers what the queue held once the receiver is back. */
static void test_healthz_and_drops(void **state)
{
	char cfg[160], rules[160];
	const char *argv[] = { "vigil", "run", "--config", cfg, NULL };
	struct vigil_proc *const vp = &agent2; /* stopped by the teardown if a check fails */
	static char text[1 << 16];
	int n503 = 0, code, received = 0;
	double dropped;

	(void)state;
	path_of(cfg, sizeof(cfg), "drops.yaml");
	path_of(rules, sizeof(rules), "rules.yaml");
	assert_int_equal(free_port(&web_port), 0);
	assert_int_equal(write_file(cfg,
				    "rules_files: [%s]\n"
				    "outputs_queue: {capacity: 4}\n"
				    "http_output: {enabled: true, url: \"http://127.0.0.1:%u/\"}\n"
				    "webserver: {enabled: true, listen_port: %u}\n"
				    "vigil: {http_timeout: 1s, ringbuf: 1M}\n",
				    rules, http_port, web_port),
			 0);
	set_receiver("stall");
	assert_int_equal(vigil_start(vp, argv, 0), -1); /* started, not ready yet */
	for (long long end = now_ms() + 60000;;) {
		bool ready;

		assert_true(now_ms() < end);
		vigil_pump(vp, 20);
		ready = vp->err && strstr(vp->err, "vigil: ready");
		code = http_get(web_port, "/healthz", text, sizeof(text));
		if (code == 503) {
			n503++;
			assert_string_equal(text, "{\"status\": \"unavailable\"}");
		}
		if (code == 200) {
			/* the ready line was written before health turned ok */
			vigil_pump(vp, 0);
			assert_non_null(strstr(vp->err, "vigil: ready"));
			assert_string_equal(text, "{\"status\": \"ok\"}");
			break;
		}
		assert_true(code == 503 || code == -1 || ready);
	}
	assert_true(n503 > 0);
	for (int i = 0; i < 10; i++) {
		char m[16];

		snprintf(m, sizeof(m), "drop%d", i);
		assert_non_null(trigger_and_wait(vp, m));
	}
	assert_non_null(vigil_wait(vp, rule_is, "vigil: alerts dropped", WAIT_MS));
	assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
	dropped = metric(text, "vigil_output_dropped_total{output=\"http\"}");
	assert_true(dropped > 0);
	set_receiver("ok");
	/* the queue empties once the receiver answers */
	for (long long end = now_ms() + 30000;; vigil_pump(vp, 100)) {
		assert_true(now_ms() < end);
		assert_int_equal(http_get(web_port, "/metrics", text, sizeof(text)), 200);
		if (metric(text, "vigil_output_queued{output=\"http\"}") == 0)
			break;
	}
	for (int i = 0; i < 10; i++) {
		char m[32];

		snprintf(m, sizeof(m), "/m-drop%d\"", i);
		assert_true(count_in("http.bodies", m) <= 1);
		received += count_in("http.bodies", m);
	}
	/* nothing lost silently: what did not arrive was counted */
	assert_true(received >= 3);
	assert_true(received + metric(text, "vigil_output_dropped_total{output=\"http\"}") >= 10);
	assert_int_equal(vigil_stop(vp, 30000), 0);
	/* stopped: nobody answers health any more */
	assert_int_equal(http_get(web_port, "/healthz", text, sizeof(text)), -1);
	vigil_free(vp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_all_sinks),
		cmocka_unit_test(test_file_reopen),
		cmocka_unit_test(test_http_fail_stall_recover),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_fold_repeats),
		cmocka_unit_test(test_watch_config_files),
		cmocka_unit_test(test_metrics_vs_stats),
		cmocka_unit_test(test_healthz_and_drops),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("outputs", tests, group_setup, group_teardown);
}
