# The agent with its bundled rules: starts, and a rule fires end to end
# (kernel filter, decode, process table, evaluation, alert).
. /tests/lib/tap.sh

vigil run --duration 3 >/tmp/run.out 2>/tmp/run.err &
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

wait $pid
rc=$?
check "run: exits 0 at the end of --duration" [ "$rc" = 0 ]
exit 0
