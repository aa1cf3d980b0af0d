// SPDX-License-Identifier: Apache-2.0
/*
 * outputbench: what delivering alerts costs, and how fast one HTTP output
 * goes. A receiver in this process (libmicrohttpd, answers 200 to each
 * POST and counts them) stands for falcosidekick; a rule matches opens
 * below a directory of the bench's own, so every open there is one alert.
 *
 *  1. throughput: N alerts as fast as the bench can open files, one HTTP
 *     output with a queue big enough to hold them all; alerts/s from the
 *     first open to the last POST received, and the output's drops (0 is
 *     the point: that rate is sustained without loss);
 *  2. cost: alerts at a fixed rate for a fixed time, the agent's CPU time
 *     and peak RSS with stdout only, then with three outputs (stdout, a
 *     kept-open file, HTTP).
 *
 * usage: outputbench VIGIL [N_THROUGHPUT] [RATE] [SECONDS]
 */
#define BENCH_NAME "outputbench"
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "bench.h"

static atomic_long received;
static atomic_llong last_ns;
static char dir[64];

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	static int first;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!*con_cls) {
		*con_cls = &first; /* headers seen; the body comes next */
		return MHD_YES;
	}
	if (*size) {
		*size = 0; /* body consumed */
		return MHD_YES;
	}
	received++;
	last_ns = mono_ns();
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		bench_die(path);
}

static void trigger(long i)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/m-%ld", dir, i);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		bench_die("open");
	close(fd);
}

static double peak_rss_mib(pid_t pid)
{
	return bench_hwm_kib(pid) / 1024;
}

static void start(struct bench_agent *a, const char *bin, const char *cfg)
{
	char *argv[] = { (char *)bin, "run", "--config", (char *)cfg, "--stats", "--ringbuf",
			 "32M", NULL };

	if (bench_agent_spawn(a, argv, 0))
		exit(1);
}

/* Wait until the receiver has `want` alerts, at most `secs`. */
static bool wait_received(long want, int secs)
{
	long long end = mono_ns() + secs * 1000000000ll;

	while (received < want && mono_ns() < end) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	return received >= want;
}

struct cost {
	double cpu_s, rss_mib;
	long long dropped;
};

/* RATE alerts/s for SECS seconds, paced on absolute deadlines. */
static struct cost run_cost(const char *bin, const char *cfg, long rate, int secs, bool http)
{
	struct bench_agent a;
	struct cost c = { 0 };
	long n = rate * secs, base = received;
	struct timespec next;
	double cpu0;

	start(&a, bin, cfg);
	cpu0 = bench_cpu_s(a.pid);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; i < n; i++) {
		trigger(1000000 + i + base);
		next.tv_nsec += 1000000000l / rate;
		if (next.tv_nsec >= 1000000000l) {
			next.tv_nsec -= 1000000000l;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	if (http && !wait_received(base + n, 60))
		fprintf(stderr, "outputbench: only %ld of %ld alerts arrived\n", received - base, n);
	c.cpu_s = bench_cpu_s(a.pid) - cpu0;
	c.rss_mib = peak_rss_mib(a.pid);
	bench_agent_stop(&a);
	c.dropped = http ? bench_stat(&a, "stats: output http:", "dropped ") : 0;
	return c;
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : "build/vigil";
	long n = argc > 2 ? atol(argv[2]) : 20000, rate = argc > 3 ? atol(argv[3]) : 1000;
	int secs = argc > 4 ? atoi(argv[4]) : 10;
	char rules[96], cfg[96], text[1024];
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct bench_agent a;
	struct cost c1, c3;
	unsigned port;
	long long t0, dropped, lost;

	snprintf(dir, sizeof(dir), "/tmp/vigil-outputbench-XXXXXX");
	if (!mkdtemp(dir))
		bench_die("mkdtemp");
	bench_pin(1);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_END);
	if (!d)
		bench_die("starting the receiver");
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info->port;
	snprintf(rules, sizeof(rules), "%s/rules.yaml", dir);
	snprintf(text, sizeof(text),
		 "- rule: outputbench\n"
		 "  desc: opens below the bench's directory\n"
		 "  condition: evt.type in (open, openat) and fd.name startswith %s/m-\n"
		 "  output: \"opened %%fd.name by %%proc.name (%%proc.cmdline)\"\n"
		 "  priority: WARNING\n"
		 "  tags: [T1000]\n",
		 dir);
	write_file(rules, text);

	/* 1. throughput of one HTTP output */
	snprintf(cfg, sizeof(cfg), "%s/http.yaml", dir);
	snprintf(text, sizeof(text),
		 "rules_files: [%s]\n"
		 "stdout_output: {enabled: false}\n"
		 "outputs_queue: {capacity: %ld}\n"
		 "http_output: {enabled: true, url: \"http://127.0.0.1:%u/\"}\n",
		 rules, n + 1000, port);
	write_file(cfg, text);
	start(&a, bin, cfg);
	t0 = mono_ns();
	for (long i = 0; i < n; i++)
		trigger(i);
	if (!wait_received(n, 120))
		fprintf(stderr, "outputbench: only %ld of %ld alerts arrived\n", (long)received, n);
	bench_agent_stop(&a);
	dropped = bench_stat(&a, "stats: output http:", "dropped ");
	lost = bench_stat(&a, "stats: records ", "lost ");
	printf("one HTTP output, local receiver, %ld alerts as fast as they come:\n", n);
	printf("  delivered %ld in %.2f s: %.0f alerts/s; dropped %lld; ring losses %lld\n",
	       (long)received, (double)(last_ns - t0) / 1e9,
	       (double)received / ((double)(last_ns - t0) / 1e9), dropped, lost);

	/* 2. cost: stdout only, then stdout + file + HTTP */
	snprintf(cfg, sizeof(cfg), "%s/one.yaml", dir);
	snprintf(text, sizeof(text), "rules_files: [%s]\n", rules);
	write_file(cfg, text);
	c1 = run_cost(bin, cfg, rate, secs, false);
	snprintf(cfg, sizeof(cfg), "%s/three.yaml", dir);
	snprintf(text, sizeof(text),
		 "rules_files: [%s]\n"
		 "file_output: {enabled: true, keep_alive: true, filename: %s/alerts.json}\n"
		 "http_output: {enabled: true, url: \"http://127.0.0.1:%u/\"}\n",
		 rules, dir, port);
	write_file(cfg, text);
	c3 = run_cost(bin, cfg, rate, secs, true);
	printf("%ld alerts/s for %d s (%ld alerts):        agent CPU s   per 1000 alerts   peak RSS\n",
	       rate, secs, rate * secs);
	printf("  stdout only                      %8.3f   %10.4f s      %6.1f MiB\n", c1.cpu_s,
	       c1.cpu_s * 1000 / (double)(rate * secs), c1.rss_mib);
	printf("  stdout + file + http             %8.3f   %10.4f s      %6.1f MiB  (http dropped %lld)\n",
	       c3.cpu_s, c3.cpu_s * 1000 / (double)(rate * secs), c3.rss_mib, c3.dropped);
	MHD_stop_daemon(d);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	return system(text) == 0 ? 0 : 1;
}
