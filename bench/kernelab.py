#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""In-kernel A/B of vigil builds on open+close loops.

    bench/kernelab.py ROUNDS VIGIL_A VIGIL_B ... -- PATH|getppid ...

Each round starts each binary in turn (`run` with its bundled rules, pinned
to CPU 0), opens and closes each PATH N times from CPU 1 (N from the
environment, default 200000) and reads the run time of every BPF program
from bpf_stats before and after. It prints, per path and binary, the time
all programs spent per open+close: the least and the median over the
rounds. The least is the figure to compare on a noisy VM: the noise only
adds. `getppid` in place of a path runs a getppid loop instead: a syscall
no rule traces, which pays only the dispatcher's first lines. Root only;
bpftool must be installed (scripts/install-deps --bench).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

LOOP = r"""
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "getppid")) {
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		return 0;
	}
	for (long i = 0; i < n; i++) {
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
	}
	return 0;
}
"""


def prog_times():
    out = json.loads(subprocess.check_output(["bpftool", "prog", "show", "-j"]))
    return {p["id"]: p.get("run_time_ns", 0) for p in out}


def main():
    argv = sys.argv[1:]
    if "--" not in argv or len(argv) < 4:
        sys.exit(__doc__)
    sep = argv.index("--")
    rounds, bins, paths = int(argv[0]), argv[1:sep], argv[sep + 1:]
    n = int(os.environ.get("N", "200000"))
    tmp = tempfile.mkdtemp(prefix="kernelab-")
    loop = os.path.join(tmp, "openloop")
    with open(loop + ".c", "w") as f:
        f.write(LOOP)
    subprocess.check_call(["cc", "-O2", "-o", loop, loop + ".c"])
    res = {}
    stats = "/proc/sys/kernel/bpf_stats_enabled"
    old = open(stats).read().strip()
    open(stats, "w").write("1")
    try:
        for _ in range(rounds):
            for b in bins:
                agent = subprocess.Popen(["taskset", "-c", "0", b, "run", "--output-file", os.devnull],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                while True:
                    line = agent.stdout.readline()
                    if not line:
                        sys.exit(f"{b} stopped before it was ready")
                    if "ready" in line.lower():
                        break
                for p in paths:
                    before = prog_times()
                    subprocess.check_call(["taskset", "-c", "1", loop, p, str(n)])
                    after = prog_times()
                    ns = sum(t - before[k] for k, t in after.items() if k in before)
                    res.setdefault((b, p), []).append(ns / n)
                agent.terminate()
                agent.wait()
    finally:
        open(stats, "w").write(old)
        subprocess.call(["rm", "-rf", tmp])
    print(f"in-kernel ns per operation (open+close, or getppid), all BPF programs "
          f"({rounds} rounds, {n} each)")
    for p in paths:
        print(p)
        for b in bins:
            v = res[(b, p)]
            print(f"  {b:32s} least {min(v):8.1f}  median {statistics.median(v):8.1f}")


if __name__ == "__main__":
    main()
