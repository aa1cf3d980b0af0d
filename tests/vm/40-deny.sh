# Enforcement on a kernel with LSM-BPF: `action: deny` refuses the
# operation with EPERM in an LSM hook and the process lives; shadow mode
# reports would-deny and lets it through; `action: kill` kills at the
# syscall. Each rule names files only this script creates.
. /tests/lib/tap.sh

# the tools run from copies: the busybox binary itself may be init here
mkdir -p /tmp/bin
cp /bin/busybox /tmp/bin/cat
cp /bin/busybox /tmp/bin/sh
echo secret >/tmp/vg-marked
echo secret >/tmp/vg-kill
cp /bin/busybox /tmp/vg-noexec
cat >/tmp/deny.yaml <<'RULES'
- rule: deny marked open
  desc: opens of the marked file are refused
  condition: evt.type in (open, openat) and fd.name = /tmp/vg-marked
  output: "%proc.name opened %fd.name"
  priority: CRITICAL
  tags: [T1005]
  mode: enforce
  action: deny
- rule: deny noexec
  desc: executing the marked binary is refused
  condition: evt.type = execve and fd.name = /tmp/vg-noexec
  output: "exec of %fd.name"
  priority: CRITICAL
  tags: [T1204]
  mode: enforce
  action: deny
- rule: deny mount
  desc: mounting on the marked directory is refused
  condition: evt.type = mount and fd.name = /tmp/vg-mnt
  output: "mount on %fd.name"
  priority: CRITICAL
  tags: [T1611]
  mode: enforce
  action: deny
- rule: deny module load
  desc: module loads by insmod are refused
  condition: evt.type in (init_module, finit_module) and proc.name = insmod
  output: "module load by %proc.name"
  priority: CRITICAL
  tags: [T1547.006]
  mode: enforce
  action: deny
- rule: kill opener
  desc: opening the kill file kills
  condition: evt.type in (open, openat) and fd.name = /tmp/vg-kill
  output: "%proc.name opened %fd.name"
  priority: CRITICAL
  tags: [T1005]
  mode: enforce
  action: kill
RULES

# $1: extra vigil arguments; starts vigil as $vpid, output in /tmp/deny.*
start_vigil() {
	rm -f /tmp/deny.out /tmp/deny.err
	vigil run --rules /tmp/deny.yaml $1 >/tmp/deny.out 2>/tmp/deny.err &
	vpid=$!
	if ! wait_ready $vpid /tmp/deny.err; then
		not_ok "deny: vigil starts with the deny rules ($1)"
		diag /tmp/deny.err
		exit 0
	fi
}

start_vigil ""
check "deny: the LSM hooks are in use (no would-deny warning)" \
	sh -c '! grep -q "needs LSM-BPF" /tmp/deny.err'

out=$(/tmp/bin/cat /tmp/vg-marked 2>&1)
rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -q "Operation not permitted"; then
	ok "deny: open of the marked file fails with EPERM, the process lives (rc $rc)"
else
	not_ok "deny: open of the marked file fails with EPERM, the process lives (rc $rc: $out)"
fi
if wait_for /tmp/deny.out 10 '"rule":"deny marked open"' '"action":"denied"' '"mode":"enforce"'; then
	ok "deny: the alert says denied"
else
	not_ok "deny: the alert says denied"
	diag /tmp/deny.out /tmp/deny.err
fi

# the same open as an io_uring OPENAT, in the submitting task and in an
# io-wq worker (IOSQE_ASYNC): the file_open hook runs for both
for how in inline async; do
	out=$(/bin/uring-open /tmp/vg-marked $how 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && echo "$out" | grep -q "Operation not permitted"; then
		ok "deny: io_uring open ($how) of the marked file fails with EPERM"
	else
		not_ok "deny: io_uring open ($how) of the marked file fails with EPERM (rc $rc: $out)"
	fi
done
if wait_for /tmp/deny.out 10 '"rule":"deny marked open"' '"action":"denied"' '"proc.name":"uring-open"'; then
	ok "deny: the io_uring open's alert says denied"
else
	not_ok "deny: the io_uring open's alert says denied"
	diag /tmp/deny.out
fi

out=$(/tmp/bin/sh -c '/tmp/vg-noexec true' 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 137 ]; then
	ok "deny: exec of the marked binary is refused (rc $rc)"
else
	not_ok "deny: exec of the marked binary is refused (rc $rc: $out)"
fi
if wait_for /tmp/deny.out 10 '"rule":"deny noexec"' '"action":"denied"'; then
	ok "deny: the exec alert says denied"
else
	not_ok "deny: the exec alert says denied"
	diag /tmp/deny.out
fi

mkdir -p /tmp/vg-mnt
out=$(/tmp/bin/sh -c 'mount -t tmpfs none /tmp/vg-mnt' 2>&1)
rc=$?
if [ "$rc" != 0 ] && ! grep -q " /tmp/vg-mnt " /proc/mounts; then
	ok "deny: mount on the marked directory is refused (rc $rc)"
else
	not_ok "deny: mount on the marked directory is refused (rc $rc: $out)"
fi
check "deny: the mount alert says denied" \
	wait_for /tmp/deny.out 10 '"rule":"deny mount"' '"action":"denied"'

head -c 4096 /dev/urandom >/tmp/vg-garbage.ko
cp /bin/busybox /tmp/bin/insmod
out=$(/tmp/bin/insmod /tmp/vg-garbage.ko 2>&1)
rc=$?
# without the rule the kernel says "Invalid module format" (or "Exec format error")
if [ "$rc" != 0 ] && echo "$out" | grep -q "not permitted"; then
	ok "deny: a module load is refused with EPERM (rc $rc)"
else
	not_ok "deny: a module load is refused with EPERM (rc $rc: $out)"
fi
check "deny: the module alert says denied" \
	wait_for /tmp/deny.out 10 '"rule":"deny module load"' '"action":"denied"'

/tmp/bin/cat /tmp/vg-kill >/tmp/kill.out 2>&1
rc=$?
check "kill: the opener dies by SIGKILL on this kernel too (rc $rc)" [ "$rc" = 137 ]
check "kill: it never printed what it read" sh -c '! grep -q secret /tmp/kill.out'
if wait_for /tmp/deny.out 10 '"rule":"kill opener"' '"action":"killed"'; then
	ok "kill: the alert says killed"
else
	not_ok "kill: the alert says killed"
	diag /tmp/deny.out
fi
kill $vpid
wait $vpid

# Shadow mode: the same decision, reported, nothing refused, for open(2)
# and for an io_uring open (in an io-wq worker) alike.
start_vigil "--mode alert"
for name in cat uring-open; do
	if [ $name = cat ]; then
		out=$(/tmp/bin/cat /tmp/vg-marked 2>&1)
	else
		out=$(/bin/uring-open /tmp/vg-marked async 2>&1)
	fi
	rc=$?
	check "shadow: $name's open succeeds under --mode alert (rc $rc)" [ "$rc" = 0 ] && [ "$out" = secret ]
	if wait_for /tmp/deny.out 10 '"rule":"deny marked open"' '"action":"would-deny"' '"mode":"alert"' \
		"\"proc.name\":\"$name\""; then
		ok "shadow: $name's alert says would-deny"
	else
		not_ok "shadow: $name's alert says would-deny"
		diag /tmp/deny.out /tmp/deny.err
	fi
done
kill $vpid
wait $vpid

# --protect-self: a signal aimed at vigil is refused and reported; only a
# rule that names kill makes the syscall traced, hence reported.
cat >/tmp/self.yaml <<'RULES'
- rule: kill seen
  desc: makes kill traced
  condition: evt.type = kill and proc.name = nobody-at-all
  output: x
  priority: NOTICE
RULES
rm -f /tmp/deny.out /tmp/deny.err
vigil run --rules /tmp/self.yaml --protect-self --duration 6 >/tmp/deny.out 2>/tmp/deny.err &
vpid=$!
if wait_ready $vpid /tmp/deny.err; then
	out=$(/tmp/bin/sh -c "kill -TERM $vpid" 2>&1)
	rc=$?
	check "protect-self: kill -TERM of vigil fails (rc $rc)" [ "$rc" != 0 ]
	check "protect-self: vigil is still running" kill -0 $vpid
	if wait_for /tmp/deny.out 10 '"rule":"vigil: tampering refused"' '"evt.arg.sig":15'; then
		ok "protect-self: the refusal is reported"
	else
		not_ok "protect-self: the refusal is reported"
		diag /tmp/deny.out /tmp/deny.err
	fi
else
	not_ok "protect-self: vigil starts"
	diag /tmp/deny.err
fi
wait $vpid
exit 0
