# The agent with its bundled rules: starts, and a rule fires end to end
# (kernel filter, decode, process table, evaluation, alert).
. /tests/lib/tap.sh

vigil run --duration 8 >/tmp/run.out 2>/tmp/run.err &
pid=$!
if wait_ready $pid /tmp/run.err; then
	ok "run: loads the bundled rules and prints its ready line"
else
	not_ok "run: loads the bundled rules and prints its ready line"
	diag /tmp/run.err
fi

cat /etc/shadow >/dev/null
if wait_for /tmp/run.out 10 '"rule":"Read sensitive file untrusted"' \
	'"fd.name":"/etc/shadow"' '"proc.name":"cat"' '"proc.cmdline":"cat /etc/shadow"'; then
	ok "run: 'Read sensitive file untrusted' fires for cat /etc/shadow"
else
	not_ok "run: 'Read sensitive file untrusted' fires for cat /etc/shadow"
	diag /tmp/run.err /tmp/run.out
fi

# the ia32 door: an open through int 0x80 (the host suite skips it where
# the machine faults on int 0x80; this kernel runs it)
if /bin/ia32-open /etc/shadow 2>/tmp/ia32.err; then
	if wait_for /tmp/run.out 10 '"rule":"Read sensitive file untrusted"' \
		'"fd.name":"/etc/shadow"' '"proc.name":"ia32-open"'; then
		ok "run: an open of /etc/shadow through int 0x80 fires the rule"
	else
		not_ok "run: an open of /etc/shadow through int 0x80 fires the rule"
		diag /tmp/run.err /tmp/run.out
	fi
else
	not_ok "run: an open of /etc/shadow through int 0x80 fires the rule"
	diag /tmp/ia32.err
fi

wait $pid
rc=$?
check "run: exits 0 at the end of --duration" [ "$rc" = 0 ]
exit 0
