/* SPDX-License-Identifier: Apache-2.0 */
/* Sub-commands of the vigil binary: each returns the process exit code. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

/* Exit codes (BRIEF §1). */
enum { VG_EXIT_OK = 0, VG_EXIT_RUNTIME = 1, VG_EXIT_USAGE = 2 };

int cmd_trace(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_unpin(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_mode(int argc, char **argv);

struct vg_diag;

/* The last line of a failed rules load, as `vigil check` prints it:
 * "vigil: CMD: N errors, M warnings; K of R rules compile[; OUTCOME]". */
void cli_rules_summary(const char *cmd, const struct vg_diag *diag, const char *outcome);

struct vg_agent_opts;

/* getopt codes of the options every agent command takes (--ringbuf,
 * --lifecycle-ringbuf, --docker-socket, --host-root, --duration, --stats,
 * --stats-interval, -v), handled by cli_agent_opt(). */
enum {
	CLI_OPT_RINGBUF = 300,
	CLI_OPT_DURATION,
	CLI_OPT_STATS,
	CLI_OPT_STATS_INTERVAL,
	CLI_OPT_LC_RINGBUF,
	CLI_OPT_DOCKER_SOCKET,
	CLI_OPT_HOST_ROOT,
};

/* Handle one of those options: 1 if it was one, 0 if not, -1 after
 * reporting a bad value (exit with VG_EXIT_USAGE). */
int cli_agent_opt(int opt, const char *arg, struct vg_agent_opts *o);
/* After the options: take HOST_ROOT from the environment unless
 * --host-root gave one, and check it. 0, or -1 after reporting (exit with
 * VG_EXIT_USAGE). */
int cli_agent_env(struct vg_agent_opts *o);

/* Parse a positive number of seconds ("2", "0.5"); -1 if invalid. */
double cli_parse_seconds(const char *s);

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1.0"
#endif

#endif /* VIGIL_CLI_H */
