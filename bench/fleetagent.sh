#!/usr/bin/env bash
# Alerts per second one real agent gets acknowledged by JetStream: a
# nats-server on 127.0.0.1 (JetStream in a temp dir), `vigil run` with one
# rule matching opens of files in that dir, nats_output on, stdout off, the
# output queue large enough to hold the burst; N opens as fast as bash
# makes them; the time from the first open until /metrics says all N were
# acknowledged. Run as root, under the shared BPF lock:
#   flock /tmp/vigil-bpf.lock bench/fleetagent.sh [N] [VIGIL]
set -euo pipefail

N=${1:-50000}
VIGIL=${2:-build/vigil}
dir=$(mktemp -d /tmp/vigil-fleetagent-bench-XXXXXX)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
wport=$(free_port)
nats_pid= vigil_pid=
# the script's status is the run's (all acknowledged or not), whatever the
# processes it stops exit with
cleanup() {
	local rc=$?

	set +e
	[[ -n $vigil_pid ]] && kill "$vigil_pid" 2>/dev/null && wait "$vigil_pid" 2>/dev/null
	[[ -n $nats_pid ]] && kill "$nats_pid" 2>/dev/null && wait "$nats_pid" 2>/dev/null
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT

nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
nats_pid=$!
cat >"$dir/rules.yaml" <<R
- rule: bench open
  desc: the bench's opens
  condition: evt.type in (open, openat) and fd.name startswith $dir/x-
  output: "opened %fd.name by %proc.name (pid %proc.pid)"
  priority: WARNING
R
for i in $(seq 0 99); do : >"$dir/x-$i"; done
for _ in $(seq 100); do grep -q "Server is ready" "$dir/nats.log" && break; sleep 0.05; done
"$VIGIL" run --rules "$dir/rules.yaml" -o stdout_output.enabled=false \
	-o nats_output.enabled=true -o "nats_output.servers=[nats://127.0.0.1:$port]" \
	-o "nats_output.spool_dir=$dir/spool" -o outputs_queue.capacity=1000000 \
	-o webserver.enabled=true -o "webserver.listen_port=$wport" -o vigil.hostname=bench \
	2>"$dir/vigil.err" &
vigil_pid=$!
for _ in $(seq 600); do grep -q "vigil: ready" "$dir/vigil.err" && break; sleep 0.1; done
# /metrics over bash's /dev/tcp (no HTTP client needed)
metrics() {
	exec 3<>"/dev/tcp/127.0.0.1/$wport"
	printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	cat <&3
	exec 3>&-
}
metric() { metrics | awk -v m="$1" '$1 == m { print $2 }'; }

t0=$(date +%s%N)
for ((i = 0; i < N; i++)); do : <"$dir/x-$((i % 100))"; done
t1=$(date +%s%N)
acked=0
while ((acked < N)) && (($(date +%s%N) - t0 < 120000000000)); do
	acked=$(metric vigil_fleet_alerts_acked_total)
	acked=${acked:-0}
	sleep 0.05
done
t2=$(date +%s%N)
metrics | grep -E '^vigil_(fleet_|alerts_total|output_dropped|ring_lost)'
awk -v n="$N" -v a="$acked" -v g=$(((t1 - t0) / 1000000)) -v t=$(((t2 - t0) / 1000000)) 'BEGIN {
	printf "%d opens in %.2f s; %d alerts acknowledged after %.2f s: %.0f alerts/s\n",
	       n, g / 1000, a, t / 1000, a / (t / 1000) }'
((acked >= N))
