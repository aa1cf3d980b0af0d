// SPDX-License-Identifier: Apache-2.0
/* `vigil probe`: the kernel's features and the enforcement they allow. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/strbuf.h"
#include "loader/probe.h"
#include "output/json.h"

static void probe_usage(FILE *f)
{
	fprintf(f, "usage: vigil probe [--json]\n\n"
		   "Load and attach one trivial program of each kind vigil may use and report\n"
		   "what this kernel offers: BTF, tracepoint flavours, kprobes, fentry,\n"
		   "LSM-BPF, ring buffers, bpf_send_signal; and so which enforcement actions\n"
		   "(kill at the syscall, deny through LSM-BPF) are available, and whether the\n"
		   "records of unlink, rename, chmod, ... carry the path the kernel acted on\n"
		   "(LSM-BPF and its path hooks, CONFIG_SECURITY_PATH).\n");
}

int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_features ft;
	bool json = false, kill, deny, agent, kpaths;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			probe_usage(stdout);
			return VG_EXIT_OK;
		default:
			probe_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	vg_features_probe(&ft);
	agent = ft.f[VG_FEAT_BTF].ok && ft.f[VG_FEAT_TP_BTF].ok && ft.f[VG_FEAT_RINGBUF].ok;
	kill = agent && ft.f[VG_FEAT_SEND_SIGNAL].ok;
	deny = ft.f[VG_FEAT_LSM_BPF].ok;
	/* the LSM path hooks (bpf/vigil.bpf.c vg_lsm_path_*) */
	kpaths = deny && vg_kernel_has_func("bpf_lsm_path_unlink");
	if (json) {
		struct strbuf sb = STRBUF_INIT;
		struct json_w w;

		jw_init(&w, &sb);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "kernel", ft.kernel);
		jw_obj_begin(&w, "features");
		for (int f = 0; f < VG_FEAT_MAX; f++) {
			jw_obj_begin(&w, vg_feature_name(f));
			jw_bool(&w, "available", ft.f[f].ok);
			jw_str(&w, "detail", ft.f[f].detail);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		jw_bool(&w, "agent", agent);
		jw_obj_begin(&w, "enforcement");
		jw_bool(&w, "kill", kill);
		jw_bool(&w, "deny", deny);
		jw_obj_end(&w);
		jw_bool(&w, "kernel_paths", kpaths);
		jw_obj_end(&w);
		printf("%s\n", sb.buf);
		strbuf_release(&sb);
	} else {
		printf("kernel           %s\n", ft.kernel);
		for (int f = 0; f < VG_FEAT_MAX; f++)
			printf("%-16s %-3s  %s\n", vg_feature_name(f), ft.f[f].ok ? "yes" : "no",
			       ft.f[f].detail);
		printf("agent            %s\n", agent ? "yes (BTF, tp_btf, ring buffer)" : "no");
		printf("enforce kill     %s\n",
		       kill ? "yes (bpf_send_signal from the syscall probe)" : "no");
		printf("enforce deny     %s\n", deny ? "yes (LSM-BPF)" : "no (no LSM-BPF)");
		printf("kernel paths     %s\n",
		       kpaths ? "yes (LSM path hooks: unlink, rename, chmod, ... name the file the "
				"kernel changed)"
			      : "no (their path arguments are resolved lexically)");
	}
	return agent ? VG_EXIT_OK : VG_EXIT_RUNTIME;
}
