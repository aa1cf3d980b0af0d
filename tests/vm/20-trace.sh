# CO-RE on a second kernel: `vigil trace` sees an open (its path resolved
# in the kernel by the dentry walk, across the /tmp mount) and an exec (argv,
# real executable), each with its process context.
. /tests/lib/tap.sh

dir=/tmp/vigil-marker
mkdir -p $dir && echo marker >$dir/file.txt

vigil trace --json --syscall openat --syscall execve >/tmp/trace.out 2>/tmp/trace.err &
pid=$!
if wait_ready $pid /tmp/trace.err; then
	ok "trace: attaches and prints its ready line"
else
	not_ok "trace: attaches and prints its ready line"
fi

# A relative name: the resolved path must come from the kernel's walk.
# /bin/cat, not cat: busybox's sh runs a bare applet name in a forked child
# without any exec; a path makes it execve.
(cd $dir && /bin/cat file.txt >/dev/null)
check "trace: openat by cat, relative name resolved to $dir/file.txt" \
	wait_for /tmp/trace.out 10 '"event":"openat"' '"name":"file.txt"' \
	"\"resolved\":\"$dir/file.txt\"" '"res":"SUCCESS"' '"comm":"cat"'
check "trace: exec of cat with argv, filename and real exe" \
	wait_for /tmp/trace.out 10 '"event":"execve"' '"argv":["/bin/cat","file.txt"]' \
	'"filename":"/bin/cat"' '"exe":"/bin/busybox"' "\"cwd\":\"$dir\""

kill -TERM $pid
wait $pid
rc=$?
check "trace: exits 0 on SIGTERM" [ "$rc" = 0 ]
# On a failure, what vigil said and what it saw of cat.
if [ -n "$tap_failed" ]; then
	diag /tmp/trace.err
	grep -F 'file.txt' /tmp/trace.out | sed 's/^/# /'
fi
exit 0
