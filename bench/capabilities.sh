#!/usr/bin/env bash
# Which capabilities vigil's image needs, measured: the image (deploy/) run
# with podman as the DaemonSet runs it (host pid namespace, the host's / at
# /host read-only, cgroups read-only, read-only root, /run/vigil a tmpfs),
# `--cap-drop all` plus a set, under podman's default seccomp profile or
# none. For each set, what works:
#   ready    `vigil: ready` within 60 s (the programs load and attach), or
#            the error it stops with;
#   alert    an open by a host process raises its rule's alert;
#   /proc    proc.exepath of a process of another user (nobody) that was
#            running before the agent: read from /proc/PID/exe;
#   named    a podman container's alerts carry its name (the cgroup id
#            resolved to a path, then podman's state);
#   kill     an enforce-mode rule kills the process that opens a marker.
# Prints a markdown table (deploy/README.md has the last run's).
# Run as root, under the shared BPF lock, after `make build/vigil
# build/tests/runtimes-payload`:
#   flock /tmp/vigil-bpf.lock bench/capabilities.sh [VIGIL]
set -euo pipefail
cd "$(dirname "$0")/.."
VIGIL=$(realpath "${1:-build/vigil}")
PAYLOAD=$(realpath "$(dirname "$VIGIL")/tests/runtimes-payload")
[[ -x $VIGIL && -x $PAYLOAD ]] || {
	echo "capabilities: build $VIGIL and $PAYLOAD first" >&2
	exit 1
}
dir=$(mktemp -d /tmp/vigil-caps-XXXXXX)
chmod 755 "$dir"
export CONTAINERS_CONF=$dir/containers.conf
loop_pid= agent_pid=

cleanup() {
	local rc=$?

	set +e
	podman rm -f vigil-caps >/dev/null 2>&1
	podman rm -f vigil-caps-payload >/dev/null 2>&1
	[[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[[ -n $loop_pid ]] && kill "$loop_pid" 2>/dev/null && wait "$loop_pid" 2>/dev/null
	rm -rf "$dir"
	exit "$rc"
}
trap cleanup EXIT

printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n' \
	>"$CONTAINERS_CONF"
{
	scripts/image-context "$VIGIL" "$dir/ctx"
	podman build -q -f deploy/Containerfile -t localhost/vigil:caps "$dir/ctx"
	mkdir "$dir/rootfs"
	cp "$PAYLOAD" "$dir/rootfs/payload"
	tar -C "$dir/rootfs" -cf "$dir/image.tar" .
	podman import "$dir/image.tar" localhost/vigil-caps/payload:1.0
} >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }

mkdir -p "$dir/etc/rules.d"
cat >"$dir/etc/vigil.yaml" <<'Y'
rules_files: [/etc/vigil/rules.d]
Y
cat >"$dir/etc/rules.d/caps.yaml" <<R
- rule: caps nobody
  desc: a process of another user, running before the agent
  condition: evt.type in (open, openat) and fd.name = $dir/nobody-mark
  output: "exe=%proc.exepath"
  priority: NOTICE
- rule: caps container
  desc: the payload, in a podman container
  condition: evt.type in (open, openat) and fd.name = /rt-mark and container.id != host
  output: "name=%container.name"
  priority: NOTICE
- rule: caps kill
  desc: enforcement
  condition: evt.type in (open, openat) and fd.name = $dir/kill-mark
  output: "kill %proc.pid"
  priority: WARNING
  mode: enforce
  action: kill
R
: >"$dir/nobody-mark"
: >"$dir/kill-mark"
chmod 644 "$dir/nobody-mark" "$dir/kill-mark"
# nobody's process: opens its marker every 100 ms, never execs (its exe
# comes from /proc, not from an exec event)
setpriv --reuid 65534 --regid 65534 --clear-groups -- \
	sh -c "while :; do : < $dir/nobody-mark; sleep 0.1; done" &
loop_pid=$!

# wait_for PATTERN FILE SECS: 0 when a line of FILE matches
wait_for() {
	local i
	for i in $(seq $(($3 * 20))); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# field RULE KEY: the first alert of RULE's output_fields.KEY
field() { jq -r --arg r "$1" --arg k "$2" 'select(.rule == $r) | .output_fields[$k]' "$dir/out" 2>/dev/null | head -1; }

# measure LABEL SECCOMP CAP...
measure() {
	local label=$1 seccomp=$2 caps=() c ready alert exe named kill rc err
	shift 2
	for c in "$@"; do caps+=(--cap-add "$c"); done
	: >"$dir/out"
	: >"$dir/err"
	podman rm -f vigil-caps >/dev/null 2>&1 || true
	podman run --rm --name vigil-caps --pid host --network none --cap-drop all "${caps[@]}" \
		$([[ $seccomp == unconfined ]] && echo --security-opt seccomp=unconfined) --read-only \
		-v /:/host:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v "$dir/etc:/etc/vigil:ro" \
		--tmpfs /run/vigil -e VIGIL_HOSTNAME=caps-node localhost/vigil:caps run \
		>"$dir/out" 2>"$dir/err" &
	agent_pid=$!
	ready=no alert=- exe=- named=- kill=-
	for _ in $(seq 1200); do
		grep -q 'vigil: ready' "$dir/err" && { ready=yes; break; }
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.05
	done
	if [[ $ready == yes ]]; then
		if wait_for '"caps nobody"' "$dir/out" 5; then
			alert=yes
			exe=$(field "caps nobody" proc.exepath)
			[[ -z $exe || $exe == null ]] && exe='""'
		else
			alert=no
		fi
		podman rm -f vigil-caps-payload >/dev/null 2>&1 || true
		podman run -d --name vigil-caps-payload localhost/vigil-caps/payload:1.0 /payload 400 5 \
			>/dev/null 2>>"$dir/build.log"
		if wait_for '"caps container"' "$dir/out" 5 &&
			wait_for '"container.name":"vigil-caps-payload"' "$dir/out" 5; then
			named=yes
		else
			c=$(field "caps container" container.id)
			named="no (${c:-no alert with container.id != host})"
		fi
		podman rm -f vigil-caps-payload >/dev/null 2>&1 || true
		rc=0
		# (braces: bash's "Killed" notice goes to /dev/null too)
		{ timeout 10 sh -c ": < $dir/kill-mark; sleep 3" || rc=$?; } 2>/dev/null
		if ((rc == 137)); then
			kill=yes
		else
			kill="no (exit $rc; $(jq -r 'select(.rule == "caps kill") | .action' "$dir/out" | head -1))"
		fi
	else
		err=$(grep -m1 'vigil: error' "$dir/err" || grep -m1 -E 'failed|denied' "$dir/err" || true)
		err=$(printf '%s' "$err" | sed 's/^vigil: //' | cut -c1-100)
		ready="no: ${err:-exited}"
	fi
	podman kill vigil-caps >/dev/null 2>&1 || true
	wait "$agent_pid" 2>/dev/null || true
	agent_pid=
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$seccomp" "$ready" "$alert" "$exe" "$named" "$kill"
}

all=(BPF PERFMON SYS_RESOURCE SYS_PTRACE SYS_ADMIN NET_ADMIN DAC_READ_SEARCH KILL)
manifest=($(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' deploy/vigil-daemonset.yaml | tr -d '" ' | tr , ' '))
echo "| capabilities | seccomp | ready | alert | /proc (exe of nobody's process) | container named | kill |"
echo "|---|---|---|---|---|---|---|"
measure "none" unconfined
measure "all eight: ${all[*]}" unconfined "${all[@]}"
for c in "${all[@]}"; do
	rest=()
	for d in "${all[@]}"; do [[ $d == "$c" ]] || rest+=("$d"); done
	measure "all eight but $c" unconfined "${rest[@]}"
done
measure "the manifest's: ${manifest[*]}" unconfined "${manifest[@]}"
for c in "${manifest[@]}"; do
	rest=()
	for d in "${manifest[@]}"; do [[ $d == "$c" ]] || rest+=("$d"); done
	measure "the manifest's but $c" unconfined "${rest[@]}"
done
measure "the manifest's: ${manifest[*]}" default "${manifest[@]}"
measure "the manifest's + SYS_ADMIN" default "${manifest[@]}" SYS_ADMIN
