#!/usr/bin/env bash
# Start-up time and idle cost of `vigil trace`: time from exec to the ready
# line, CPU used over an idle window, and peak RSS. The machine is not
# really idle (the sandbox's own processes keep making syscalls), which is
# what an agent faces anyway: the event count is printed alongside.
#
# usage: bench/idle.sh [VIGIL] [SECONDS]   (as root; default build/vigil, 30)
set -euo pipefail
vigil=${1:-build/vigil}
secs=${2:-30}
hz=$(getconf CLK_TCK)
err=$(mktemp)
trap 'rm -f "$err"' EXIT

t0=$EPOCHREALTIME
"$vigil" trace --json --stats >/dev/null 2>"$err" &
pid=$!
until grep -q "vigil: ready" "$err"; do
	kill -0 "$pid" 2>/dev/null || { cat "$err"; exit 1; }
	sleep 0.005
done
t1=$EPOCHREALTIME
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu)
sleep "$secs"
c1=$(cpu)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true
records=$(sed -n 's/.*stats: records \([0-9]*\) (\([0-9]*\) bytes).*/\1 \2/p' "$err")
awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v hz="$hz" -v s="$secs" \
	-v rss="$rss" -v rec="$records" 'BEGIN {
	split(rec, r, " ");
	printf "start to ready line   %.0f ms\n", (t1 - t0) * 1000;
	printf "cpu over %d s idle     %.3f s (%.2f%% of one core)\n", s, (c1 - c0) / hz, (c1 - c0) / hz / s * 100;
	printf "events in that time   %d (%d bytes)\n", r[1], r[2];
	printf "peak RSS              %d KiB\n", rss;
}'
