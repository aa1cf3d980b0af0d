#!/usr/bin/env bash
# How long after a container's start its name appears in vigil's alerts,
# per runtime: docker (dockerd's API), podman (runc, cgroupfs manager; its
# storage) and containerd (`ctr run`; its task state). For each of N
# containers per runtime: t0 when the run command is issued, the first
# alert from the container (its id known, name maybe not yet), the first
# alert carrying its name. The payload (tests/runtimes/payload) opens
# /rt-mark every 5 ms, and one rule reports those opens with
# container.name, so the figures are the lookup's latency plus at most
# 5 ms. Alerts are stamped as vigil prints them (a python3 reader on its
# stdout). The daemons are started if their sockets do not answer, and
# stopped at the end if this script started them.
# Run as root, under the shared BPF lock, after `make build/vigil
# build/tests/runtimes-payload`:
#   flock /tmp/vigil-bpf.lock bench/containerstart.sh [N] [VIGIL]
set -euo pipefail

N=${1:-10}
VIGIL=$(realpath "${2:-build/vigil}")
PAYLOAD=$(realpath "$(dirname "$VIGIL")/tests/runtimes-payload")
DOCKER=/usr/bin/docker
IMAGE=vigil-bench/payload:1.0
NS=vigilbench
[[ -x $VIGIL && -x $PAYLOAD ]] || {
	echo "containerstart: build $VIGIL and $PAYLOAD first" >&2
	exit 1
}
dir=$(mktemp -d /tmp/vigil-cstart-XXXXXX)
vigil_pid= reader_pid= containerd_pid= dockerd_pid=
export CONTAINERS_CONF=$dir/containers.conf

cleanup() {
	local rc=$?

	set +e
	$DOCKER rm -f $(seq -f "vb-docker-%g" 1 "$N") >/dev/null 2>&1
	podman rm -f $(seq -f "vb-podman-%g" 1 "$N") >/dev/null 2>&1
	for i in $(seq 1 "$N"); do
		ctr -n $NS task kill -s KILL "vb-ctr-$i" >/dev/null 2>&1
		ctr -n $NS task rm -f "vb-ctr-$i" >/dev/null 2>&1
		ctr -n $NS container rm "vb-ctr-$i" >/dev/null 2>&1
	done
	[[ -n $vigil_pid ]] && kill "$vigil_pid" 2>/dev/null && wait "$vigil_pid" 2>/dev/null
	[[ -n $reader_pid ]] && wait "$reader_pid" 2>/dev/null
	[[ -n $dockerd_pid ]] && kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null
	[[ -n $containerd_pid ]] && kill "$containerd_pid" 2>/dev/null && wait "$containerd_pid" 2>/dev/null
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT

sock_alive() { python3 -c 'import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1])' "$1" 2>/dev/null; }
wait_sock() {
	local i
	for i in $(seq 600); do
		sock_alive "$1" && return 0
		sleep 0.1
	done
	echo "containerstart: no $1 after 60 s (see $dir/daemons.log)" >&2
	return 1
}
if ! sock_alive /run/containerd/containerd.sock; then
	setsid containerd >>"$dir/daemons.log" 2>&1 &
	containerd_pid=$!
	wait_sock /run/containerd/containerd.sock
fi
if ! sock_alive /var/run/docker.sock; then
	setsid dockerd --containerd /run/containerd/containerd.sock --iptables=false --bridge=none \
		>>"$dir/daemons.log" 2>&1 &
	dockerd_pid=$!
	wait_sock /var/run/docker.sock
fi
# podman as it runs here (tests/runtimes): runc, cgroupfs, no rlimits
printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n' \
	>"$CONTAINERS_CONF"

# the image: the payload alone, imported into each runtime
mkdir "$dir/rootfs"
cp "$PAYLOAD" "$dir/rootfs/payload"
tar -C "$dir/rootfs" -cf "$dir/image.tar" .
{
	$DOCKER import -c 'CMD ["/payload"]' "$dir/image.tar" $IMAGE
	$DOCKER save $IMAGE -o "$dir/image-docker.tar"
	ctr -n $NS images import "$dir/image-docker.tar"
	podman import "$dir/image.tar" $IMAGE
} >>"$dir/daemons.log" 2>&1

cat >"$dir/rules.yaml" <<'R'
- rule: bench container mark
  desc: the payload's opens, in a container
  condition: evt.type in (open, openat) and fd.name = /rt-mark and container.id != host
  output: "mark %container.id %container.name"
  priority: NOTICE
  tags: [T1610]
R
mkfifo "$dir/out"
# first alert per container id, then the first with its name, each stamped
# with CLOCK_REALTIME in ns as it is read
python3 -u -c '
import json, sys, time
first, named = set(), set()
for line in sys.stdin:
    t = time.time_ns()
    try:
        f = json.loads(line)["output_fields"]
    except Exception:
        continue
    cid, name = f.get("container.id"), f.get("container.name")
    if cid not in first:
        first.add(cid)
        print("first", cid, t, flush=True)
    if name and name != "<NA>" and cid not in named:
        named.add(cid)
        print("named", cid, name, t, flush=True)
' <"$dir/out" >"$dir/stamps" &
reader_pid=$!
"$VIGIL" run --rules "$dir/rules.yaml" >"$dir/out" 2>"$dir/vigil.err" &
vigil_pid=$!
for i in $(seq 600); do
	grep -q 'vigil: ready' "$dir/vigil.err" && break
	kill -0 "$vigil_pid" 2>/dev/null || { cat "$dir/vigil.err" >&2; exit 1; }
	sleep 0.1
done
grep -q 'vigil: ready' "$dir/vigil.err" || { echo "containerstart: vigil not ready" >&2; exit 1; }

# run RUNTIME NAME: start the container; print its full id
run() {
	case $1 in
	docker) $DOCKER run -d --name "$2" $IMAGE /payload 2000 5 ;;
	podman) podman run -d --name "$2" localhost/$IMAGE /payload 2000 5 ;;
	ctr) ctr -n $NS run -d docker.io/$IMAGE "$2" /payload 2000 5 >/dev/null && echo "$2" ;;
	esac
}
stop() {
	case $1 in
	docker) $DOCKER rm -f "$2" ;;
	podman) podman rm -f "$2" ;;
	ctr) ctr -n $NS task kill -s KILL "$2"; ctr -n $NS task rm -f "$2"; ctr -n $NS container rm "$2" ;;
	esac >/dev/null 2>&1 || true
}
# the stamp of KIND for the container ID (20 s at most)
stamp() {
	local i t
	for i in $(seq 2000); do
		t=$(awk -v k="$1" -v id="$2" '$1 == k && $2 == id {print $NF; exit}' "$dir/stamps")
		[[ -n $t ]] && { echo "$t"; return 0; }
		sleep 0.01
	done
	return 1
}
stats() { sort -n | awk '{v[NR]=$1} END {printf "%8.1f %8.1f %8.1f", v[1], v[int((NR+1)/2)], v[NR]}'; }

printf '%s containers per runtime; ms from the run command (min median max)\n' "$N"
printf '%-12s %-28s %-28s %-28s\n' runtime "to first alert" "to first named alert" "first -> named"
for rt in docker podman ctr; do
	: >"$dir/$rt.ms"
	for i in $(seq 1 "$N"); do
		name=vb-$rt-$i
		stop $rt "$name"
		t0=$(date +%s%N)
		id=$(run $rt "$name" 2>>"$dir/daemons.log") || { echo "containerstart: $rt run failed" >&2; exit 1; }
		[[ $rt == ctr ]] || id=${id:0:12}
		if ! t1=$(stamp first "$id") || ! t2=$(stamp named "$id"); then
			echo "containerstart: no named alert from $rt container $name" >&2
			exit 1
		fi
		echo "$(((t1 - t0) / 1000)) $(((t2 - t0) / 1000)) $(((t2 - t1) / 1000))" >>"$dir/$rt.ms"
		stop $rt "$name"
	done
	printf '%-12s %s     %s     %s\n' "$rt" \
		"$(awk '{print $1/1000}' "$dir/$rt.ms" | stats)" \
		"$(awk '{print $2/1000}' "$dir/$rt.ms" | stats)" \
		"$(awk '{print $3/1000}' "$dir/$rt.ms" | stats)"
done
grep -m1 named "$dir/stamps" | awk '{print "# e.g. " $3 " (" $2 ")"}'
