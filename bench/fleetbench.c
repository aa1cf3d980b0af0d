// SPDX-License-Identifier: Apache-2.0
/*
 * fleetbench: the fleet on one nats-server (JetStream, file storage, in a
 * temp dir on 127.0.0.1), driven by simulated agents with distinct
 * hostnames that publish Falco-JSON alerts and heartbeats through
 * src/fleet/ exactly as an agent does (spool, async publish, acks).
 *
 *   1. alerts/s acknowledged from one agent
 *   2. alerts/s acknowledged from N agents at once (a thread each)
 *   3. `vigil fleet rules` and `vigil fleet status` wall time over a stream
 *      topped up to --stream alerts (default 1,000,000)
 *   4. spool replay: --replay alerts (default 100,000) appended while no
 *      server is known, then sent and acknowledged
 *   5. sizes behind docs/FLEET.md's estimate: stored bytes per alert, the
 *      bytes of a heartbeat with the bundled ruleset's rules
 *
 * usage: fleetbench [VIGIL] [--agents N] [--per-agent M] [--stream N] [--replay N]
 */
#define BENCH_NAME "fleetbench"
#include <inttypes.h>
#include <pthread.h>

#include "bench.h"
#include "../tests/fleetsim.h"
#include "fleet/fleet.h"
#include "fleet/heartbeat.h"
#include "fleet/pub.h"
#include "fleet/spool.h"
#include "rules/bundled.h"
#include "rules/ruleset.h"

static char tmpdir[64];
static struct natsd srv;

static const char *const rules[] = {
	"Read sensitive file untrusted", "Write below etc", "Terminal shell in container",
	"Launch privileged container", "Packet socket created", "Ptrace attach",
	"Kernel module loaded", "Outbound connection to C2", "Modify shell configuration",
	"Clear log activities",
};
static const char *const exes[] = {
	"/usr/bin/cat", "/usr/bin/less", "/usr/bin/python3.11", "/usr/bin/bash", "/usr/bin/curl",
	"/usr/sbin/insmod", "/usr/bin/vi", "/usr/bin/tar",
};
static const char *const actions[] = { "none", "none", "would-kill", "none", "would-deny",
				       "killed" };

static struct vg_fleet *connect_fleet(void)
{
	struct vg_fleet_opts o = { .nservers = 1, .timeout_ms = 10000 };
	char err[256];
	struct vg_fleet *f;

	o.servers[0] = srv.url;
	f = vg_fleet_connect(&o, err, sizeof(err));
	if (!f) {
		fprintf(stderr, "fleetbench: %s\n", err);
		exit(1);
	}
	return f;
}

struct agent {
	char host[64];
	unsigned first, n; /* alert indexes */
	double secs;
	uint64_t acked;
	int err;
};

/* One agent: its connection, spool and publisher; n alerts enqueued as
 * they come, pumped without waiting, then flushed. */
static void *agent_run(void *arg)
{
	struct agent *a = arg;
	struct vg_fleet *f = connect_fleet();
	struct strbuf al = STRBUF_INIT, subj = STRBUF_INIT;
	struct vg_fleet_pub_stats st;
	struct vg_fleet_pub *p;
	struct vg_spool *sp;
	char dir[160];
	double t0;

	snprintf(dir, sizeof(dir), "%s/spool-%s", tmpdir, a->host);
	sp = vg_spool_open(dir, 256 << 20);
	p = sp ? vg_fleet_pub_new(f, sp, &(struct vg_fleet_pub_opts){ .window = 4096 }) : NULL;
	if (!p) {
		a->err = -errno;
		goto out;
	}
	vg_fleet_alert_subject(&subj, a->host, "Warning");
	t0 = bench_now_ns();
	for (unsigned i = a->first; i < a->first + a->n; i++) {
		strbuf_reset(&al);
		fleetsim_alert(&al, a->host, rules[i % 10], i % 7 ? "alert" : "enforce",
			       actions[i % 6], exes[(i / 3) % 8], i % 5 ? "host" : "4f9a1c2b3d4e", i);
		a->err = vg_fleet_pub_enqueue(p, subj.buf, al.buf, al.len);
		if (!a->err && i % 256 == 255 && vg_fleet_pub_pump(p, 0) < 0)
			a->err = -EIO;
		if (a->err)
			goto out;
	}
	a->err = vg_fleet_pub_flush(p, 600000);
	a->secs = (bench_now_ns() - t0) / 1e9;
	vg_fleet_pub_stats(p, &st);
	a->acked = st.acked;
out:
	vg_fleet_pub_free(p);
	vg_spool_free(sp);
	vg_fleet_free(f);
	strbuf_release(&al);
	strbuf_release(&subj);
	return NULL;
}

/* n agents at once; alerts/s acknowledged over the wall time of all. */
static double run_agents(unsigned n, unsigned per, unsigned *next_index, const char *tag)
{
	struct agent *a = calloc(n, sizeof(*a));
	pthread_t *t = calloc(n, sizeof(*t));
	uint64_t acked = 0;
	double t0 = bench_now_ns(), secs;

	for (unsigned i = 0; i < n; i++) {
		snprintf(a[i].host, sizeof(a[i].host), "%s-%04u.example.com", tag, i);
		a[i].first = *next_index;
		a[i].n = per;
		*next_index += per;
		pthread_create(&t[i], NULL, agent_run, &a[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (a[i].err) {
			fprintf(stderr, "fleetbench: agent %s: %s\n", a[i].host, strerror(-a[i].err));
			exit(1);
		}
		acked += a[i].acked;
	}
	secs = (bench_now_ns() - t0) / 1e9;
	free(a);
	free(t);
	return acked / secs;
}

/* Wall seconds of `vigil fleet ARGS --server URL`, output to /dev/null. */
static double time_cmd(const char *vigil, const char *const *args)
{
	const char *argv[16] = { vigil, "fleet" };
	size_t n = 2;
	double t0 = bench_now_ns();
	int status;
	pid_t pid;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n++] = "--server";
	argv[n++] = srv.url;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execv(vigil, (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "fleetbench: vigil fleet %s failed\n", argv[2]);
		exit(1);
	}
	return (bench_now_ns() - t0) / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_cmd(const char *vigil, const char *const *args, int runs)
{
	double v[9];

	for (int i = 0; i < runs; i++)
		v[i] = time_cmd(vigil, args);
	qsort(v, (size_t)runs, sizeof(*v), cmp_d);
	return v[runs / 2];
}

/* Spool replay: fill a spool with no publisher at all (the agent's server
 * unreachable), then time publish + acknowledgement of everything. */
static void replay(unsigned n, double *append_per_s, double *replay_s, uint64_t *spool_bytes)
{
	struct strbuf al = STRBUF_INIT, subj = STRBUF_INIT;
	struct vg_spool_stats ss;
	struct vg_fleet *f;
	struct vg_fleet_pub *p;
	struct vg_spool *sp;
	char dir[160];
	double t0;

	snprintf(dir, sizeof(dir), "%s/spool-replay", tmpdir);
	sp = vg_spool_open(dir, 1ull << 30);
	if (!sp)
		bench_die("spool");
	vg_fleet_alert_subject(&subj, "replay-1.example.com", "Warning");
	t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++) {
		strbuf_reset(&al);
		fleetsim_alert(&al, "replay-1.example.com", rules[i % 10], "alert", actions[i % 6],
			       exes[i % 8], "host", i);
		if (vg_spool_append(sp, subj.buf, al.buf, al.len, NULL))
			bench_die("spool append");
	}
	*append_per_s = n / ((bench_now_ns() - t0) / 1e9);
	vg_spool_stats(sp, &ss);
	*spool_bytes = ss.bytes;
	f = connect_fleet();
	p = vg_fleet_pub_new(f, sp, &(struct vg_fleet_pub_opts){ .window = 4096 });
	t0 = bench_now_ns();
	if (!p || vg_fleet_pub_flush(p, 600000))
		bench_die("replay");
	*replay_s = (bench_now_ns() - t0) / 1e9;
	vg_fleet_pub_free(p);
	vg_spool_free(sp);
	vg_fleet_free(f);
	strbuf_release(&al);
	strbuf_release(&subj);
}

/* A heartbeat of an agent running the bundled ruleset: its size. */
static size_t heartbeat_bytes(size_t *nrules)
{
	struct vg_rule_source b = vg_bundled_rules();
	struct vg_diag diag = { .out = NULL };
	struct vg_ruleset *rs = vg_ruleset_load(NULL, 0, &b, 1, &diag);
	struct vg_hb_rule *r;
	struct vg_heartbeat hb = {
		.hostname = "web-0001.example.com", .version = "0.1.0",
		.time_ns = (int64_t)time(NULL) * 1000000000, .interval_s = 10,
		.ruleset_hash = "71ebf3dde329def22480c6351de68816ca358b5f625f5b59947be4bdf140c729",
		.ruleset_generation = 3, .ruleset_revision = 12, .mode_cap = "enforce",
	};
	struct strbuf sb = STRBUF_INIT;
	size_t len;

	if (!rs)
		bench_die("bundled rules");
	r = calloc(rs->nrules, sizeof(*r));
	for (size_t i = 0; i < rs->nrules; i++)
		r[i] = (struct vg_hb_rule){ .rule = rs->rules[i]->name,
					    .mode = vg_mode_name(rs->rules[i]->mode),
					    .matches = 12345, .would_kill = 12 };
	hb.rules = r;
	hb.nrules = rs->nrules;
	vg_heartbeat_json(&hb, &sb);
	len = sb.len;
	*nrules = rs->nrules;
	/* and publish it, so `fleet status` has agents to read */
	{
		struct vg_fleet *f = connect_fleet();
		struct strbuf subj = STRBUF_INIT;

		for (int i = 0; i < 100; i++) {
			char host[64];

			snprintf(host, sizeof(host), "web-%04d.example.com", i);
			hb.hostname = host;
			strbuf_reset(&sb);
			vg_heartbeat_json(&hb, &sb);
			strbuf_reset(&subj);
			vg_fleet_state_subject(&subj, host);
			if (vg_fleet_publish_sync(f, subj.buf, sb.buf, sb.len))
				bench_die("heartbeat");
		}
		strbuf_release(&subj);
		vg_fleet_free(f);
	}
	strbuf_release(&sb);
	free(r);
	vg_ruleset_free(rs);
	return len;
}

int main(int argc, char **argv)
{
	const char *vigil = "build/vigil";
	unsigned agents = 20, per = 20000, stream = 1000000, nreplay = 100000, idx = 0;
	double one, many, rules_all, rules_1h, status_s, append_s, replay_s;
	uint64_t msgs, bytes, spool_bytes;
	size_t hb_len, hb_rules;
	struct vg_fleet *f;
	char cmd[128];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--agents") && i + 1 < argc)
			agents = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--per-agent") && i + 1 < argc)
			per = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--stream") && i + 1 < argc)
			stream = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--replay") && i + 1 < argc)
			nreplay = (unsigned)atoi(argv[++i]);
		else if (argv[i][0] != '-')
			vigil = argv[i];
		else {
			fprintf(stderr, "usage: fleetbench [VIGIL] [--agents N] [--per-agent M] "
					"[--stream N] [--replay N]\n");
			return 2;
		}
	}
	if (!agents || !per)
		return 2;
	strcpy(tmpdir, "/tmp/vigil-fleetbench-XXXXXX");
	if (!mkdtemp(tmpdir))
		bench_die("mkdtemp");
	if (natsd_init(&srv, tmpdir) || natsd_start(&srv, 20000))
		return 1;
	f = connect_fleet();
	if (vg_fleet_setup(f, NULL)) {
		fprintf(stderr, "fleetbench: %s\n", vg_fleet_error(f));
		return 1;
	}

	one = run_agents(1, 100000, &idx, "one");
	many = run_agents(agents, per, &idx, "agent");
	/* top the stream up to `stream` alerts from more agents */
	while (idx < stream) {
		unsigned left = stream - idx, n = agents;

		if (left < n * per)
			per = (left + n - 1) / n;
		run_agents(n, per, &idx, "fill");
	}
	hb_len = heartbeat_bytes(&hb_rules);
	if (vg_fleet_stream_state(f, VG_FLEET_ALERTS_STREAM, &msgs, &bytes)) {
		fprintf(stderr, "fleetbench: %s\n", vg_fleet_error(f));
		return 1;
	}
	rules_all = median_cmd(vigil, (const char *[]){ "rules", "--since", "all", "--json", NULL }, 3);
	rules_1h = median_cmd(vigil, (const char *[]){ "rules", "--since", "1h", NULL }, 3);
	status_s = median_cmd(vigil, (const char *[]){ "status", "--json", NULL }, 3);
	replay(nreplay, &append_s, &replay_s, &spool_bytes);

	printf("fleetbench: one nats-server 2.9 (JetStream, file storage), this machine, %s\n",
	       "agents simulated through src/fleet/");
	printf("  alerts acknowledged, 1 agent             %10.0f /s\n", one);
	printf("  alerts acknowledged, %3u agents at once   %10.0f /s\n", agents, many);
	printf("  alerts in the stream                     %10" PRIu64 " (%.0f bytes stored each)\n",
	       msgs, (double)bytes / (double)msgs);
	printf("  vigil fleet rules --since all (%.1fM)     %10.2f s  (%.0f alerts/s read)\n",
	       msgs / 1e6, rules_all, msgs / rules_all);
	printf("  vigil fleet rules --since 1h             %10.2f s\n", rules_1h);
	printf("  vigil fleet status (100 agents)          %10.3f s\n", status_s);
	printf("  heartbeat, %zu rules                      %10zu bytes\n", hb_rules, hb_len);
	printf("  spool append                             %10.0f alerts/s (%.0f bytes each on disk)\n",
	       append_s, (double)spool_bytes / nreplay);
	printf("  spool replay, %u alerts              %10.2f s  (%.0f alerts/s)\n", nreplay,
	       replay_s, nreplay / replay_s);

	vg_fleet_free(f);
	natsd_kill(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? 1 : 0;
}
