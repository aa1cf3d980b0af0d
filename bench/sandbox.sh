#!/usr/bin/env bash
# Which of systemd's sandboxing options vigil.service survives, measured
# under a real systemd: this machine has no systemd as PID 1, so a fresh
# Debian root (scripts/chroot-test's cached mmdebstrap tarball) gets
# systemd and the package (`make deb`) and is booted with `systemd-nspawn
# --boot` (all capabilities, bpf() and perf_event_open() allowed, bpffs and
# tracefs bound in: the container as permissive as a host, so that what
# fails is the unit's own sandboxing). Then for each option, as a drop-in
# over the shipped unit: `systemctl restart vigil` (Type=notify: returns
# once vigil sent READY=1), an alert for a marker file in the journal, and
# `systemctl reload vigil` (ExecReload's SIGHUP) logging "rules reloaded".
# Prints a markdown table (packaging/README.md has the last run's).
# Run as root, under the shared BPF lock:
#   flock /tmp/vigil-bpf.lock bench/sandbox.sh [DEB]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(realpath "${1:-$(ls build/vigil_*_amd64.deb | head -1)}")
cache=${CHROOT_CACHE:-/var/cache/vigil/bookworm-apt.tar}
[[ -s $deb ]] || { echo "sandbox: no package; make deb" >&2; exit 1; }
[[ -s $cache ]] || { echo "sandbox: no $cache; scripts/chroot-test makes it" >&2; exit 1; }
# systemd-nspawn on the host (a no-op when it is there)
scripts/install-deps --chroot
root=$(realpath -m build/nspawn/root)
log=$(realpath -m build/nspawn/boot.log)
nspawn_pid=

cleanup() {
	local rc=$?

	set +e
	if [[ -n $nspawn_pid ]]; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		timeout 20 tail --pid="$nspawn_pid" -f /dev/null
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	{ grep -o " $root/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	exit "$rc"
}
trap cleanup EXIT

rm -rf "$root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xf "$cache"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/root/vigil.deb"
mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
	sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus /root/vigil.deb' \
	>"$log" 2>&1 || { tail "$log" >&2; exit 1; }
umount "$root/proc"
cat >"$root/etc/vigil/rules.d/sandbox.yaml" <<'R'
- rule: sandbox mark
  desc: the sandbox measurement's marker
  condition: evt.type in (open, openat, creat) and fd.name endswith /vigil-sbx-mark
  output: "sandbox mark by %proc.name"
  priority: NOTICE
R
mkdir -p "$root/etc/systemd/system/vigil.service.d"

systemd-nspawn -q -D "$root" --boot --register=no --keep-unit --machine=vigil-sbx \
	--capability=all --system-call-filter='bpf perf_event_open' \
	--bind=/sys/fs/bpf --bind=/sys/kernel/tracing >>"$log" 2>&1 </dev/null &
nspawn_pid=$!
leader=
for _ in $(seq 200); do
	leader=$(pgrep -P "$nspawn_pid" | head -1) && [[ -n $leader ]] && break
	sleep 0.1
done
[[ -n $leader ]] || { echo "sandbox: the container did not start (see $log)" >&2; exit 1; }
inside() { nsenter -t "$leader" -m -u -i -n -p -- "$@"; }
for _ in $(seq 600); do
	inside systemctl is-active -q multi-user.target 2>/dev/null && break
	sleep 0.1
done
inside systemctl is-active -q multi-user.target || { echo "sandbox: no multi-user.target (see $log)" >&2; exit 1; }

# journal lines of vigil since epoch second $1 matching $2 (poll 10 s)
journal_has() {
	local i
	for i in $(seq 100); do
		inside journalctl -q -u vigil --since "@$1" --no-pager 2>/dev/null | grep -q -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# measure LABEL [UNIT LINES...]
measure() {
	local label=$1 ready alert reload t err
	shift
	{
		echo "[Service]"
		echo "TimeoutStartSec=60"
		printf '%s\n' "$@"
	} >"$root/etc/systemd/system/vigil.service.d/zz-sandbox.conf"
	inside systemctl daemon-reload
	t=$(date +%s)
	sleep 1 # journal --since has one-second resolution
	ready=no alert=- reload=-
	if timeout 90 nsenter -t "$leader" -m -u -i -n -p -- systemctl restart vigil 2>/dev/null; then
		ready=yes
		: >/tmp/vigil-sbx-mark
		rm -f /tmp/vigil-sbx-mark
		journal_has "$t" "sandbox mark by" && alert=yes || alert=no
		t=$(date +%s)
		sleep 1
		if inside systemctl reload vigil 2>/dev/null && journal_has "$t" "rules reloaded"; then
			reload=yes
		else
			reload=no
		fi
	else
		err=$(inside journalctl -q -u vigil --since "@$t" --no-pager 2>/dev/null | grep -m1 -E 'error|denied' |
			sed 's/.*vigil\[[0-9]*\]: //' | cut -c1-90 || true)
		ready="no: ${err:-$(inside systemctl show -p Result --value vigil || true)}"
	fi
	inside systemctl stop vigil 2>/dev/null || true
	inside systemctl reset-failed vigil 2>/dev/null || true
	printf '| %s | %s | %s | %s |\n' "$label" "$ready" "$alert" "$reload"
}

echo "| setting (drop-in over the shipped unit) | ready | alert | reload |"
echo "|---|---|---|---|"
measure "the shipped unit"
measure "ProtectSystem=strict" "ProtectSystem=strict"
measure "ReadOnlyPaths=/" "ReadOnlyPaths=/"
measure "ProtectHome=yes" "ProtectHome=yes"
measure "PrivateTmp=yes" "PrivateTmp=yes"
measure "ProtectKernelTunables=yes" "ProtectKernelTunables=yes"
measure "ProtectKernelModules=yes" "ProtectKernelModules=yes"
measure "ProtectKernelLogs=yes" "ProtectKernelLogs=yes"
measure "ProtectControlGroups=yes" "ProtectControlGroups=yes"
measure "ProtectClock=yes" "ProtectClock=yes"
measure "ProtectHostname=yes" "ProtectHostname=yes"
measure "ProtectProc=invisible" "ProtectProc=invisible"
measure "ProcSubset=pid" "ProcSubset=pid"
measure "PrivateDevices=yes" "PrivateDevices=yes"
measure "PrivateNetwork=yes" "PrivateNetwork=yes"
measure "PrivateUsers=yes" "PrivateUsers=yes"
measure "RestrictNamespaces=yes" "RestrictNamespaces=yes"
measure "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
measure "RestrictSUIDSGID=yes" "RestrictSUIDSGID=yes"
measure "MemoryDenyWriteExecute=yes" "MemoryDenyWriteExecute=yes"
measure "SystemCallArchitectures=native" "SystemCallArchitectures=native"
measure "SystemCallFilter=@system-service" "SystemCallFilter=@system-service"
measure "SystemCallFilter=@system-service bpf perf_event_open" "SystemCallFilter=@system-service bpf perf_event_open"
measure "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH CAP_SYS_PTRACE" \
	"CapabilityBoundingSet=" "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"
measure "CapabilityBoundingSet=CAP_BPF CAP_PERFMON" \
	"CapabilityBoundingSet=" "CapabilityBoundingSet=CAP_BPF CAP_PERFMON"
measure "CapabilityBoundingSet=CAP_SYS_ADMIN" \
	"CapabilityBoundingSet=" "CapabilityBoundingSet=CAP_SYS_ADMIN"
measure "all that passed above together" "ProtectSystem=strict" "ProtectHome=yes" \
	"ProtectKernelModules=yes" "ProtectKernelLogs=yes" "ProtectControlGroups=yes" \
	"RestrictNamespaces=yes" "RestrictSUIDSGID=yes" "MemoryDenyWriteExecute=yes" \
	"SystemCallArchitectures=native" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
inside systemctl poweroff 2>/dev/null || true
