# The paths the kernel acts on, from the LSM path hooks: unlink, rename,
# chmod, mkdir through a symlinked directory are reported with the path of
# the file they changed, not the spelling the caller gave (which a rule on
# the real directory would miss); a thread rewriting the name buffer
# during unlink(2) cannot make vigil report another file than the one the
# kernel deleted. Rules name only files this script creates.
. /tests/lib/tap.sh

mkdir -p /tmp/bin /tmp/kp/logs /tmp/kp/rest
for t in rm mv chmod mkdir ln; do cp /bin/busybox /tmp/bin/$t; done
ln -s /tmp/kp/logs /tmp/kp/via
cat >/tmp/kp.yaml <<'RULES'
- rule: kp delete
  desc: deletions below the watched directory
  condition: evt.type in (unlink, unlinkat, rmdir) and fd.name startswith /tmp/kp/logs/
  output: "deleted name=%fd.name raw=%fd.nameraw res=%evt.res"
  priority: WARNING
- rule: kp rename
  desc: renames into the watched directory
  condition: evt.type in (rename, renameat, renameat2) and evt.abspath.dst startswith /tmp/kp/logs/
  output: "renamed dst=%evt.abspath.dst raw=%evt.arg.newpath"
  priority: WARNING
- rule: kp chmod
  desc: mode changes below the watched directory
  condition: evt.type in (chmod, fchmodat) and fd.name startswith /tmp/kp/logs/
  output: "chmod name=%fd.name raw=%fd.nameraw"
  priority: WARNING
- rule: kp mkdir
  desc: directories made below the watched directory
  condition: evt.type in (mkdir, mkdirat) and fd.name startswith /tmp/kp/logs/
  output: "mkdir name=%fd.name raw=%fd.nameraw"
  priority: WARNING
RULES

vigil run --rules /tmp/kp.yaml >/tmp/kp.out 2>/tmp/kp.err &
vpid=$!
if ! wait_ready $vpid /tmp/kp.err; then
	not_ok "kpath: vigil starts"
	diag /tmp/kp.err
	exit 0
fi

# the plain control, then the same through the symlinked directory
touch /tmp/kp/logs/plain /tmp/kp/logs/linked
/tmp/bin/rm /tmp/kp/logs/plain
check "kpath: a deletion in the directory is reported (control)" \
	wait_for /tmp/kp.out 10 '"rule":"kp delete"' 'name=/tmp/kp/logs/plain raw=/tmp/kp/logs/plain'
/tmp/bin/rm /tmp/kp/via/linked
check "kpath: a deletion through a symlinked directory names the file deleted" \
	wait_for /tmp/kp.out 10 '"rule":"kp delete"' 'name=/tmp/kp/logs/linked raw=/tmp/kp/via/linked'

touch /tmp/kp/rest/moved
/tmp/bin/mv /tmp/kp/rest/moved /tmp/kp/via/moved
check "kpath: a rename through a symlinked directory names where the file went" \
	wait_for /tmp/kp.out 10 '"rule":"kp rename"' 'dst=/tmp/kp/logs/moved raw=/tmp/kp/via/moved'

/tmp/bin/chmod 600 /tmp/kp/via/moved
check "kpath: a chmod through a symlinked directory names the file changed" \
	wait_for /tmp/kp.out 10 '"rule":"kp chmod"' 'name=/tmp/kp/logs/moved raw=/tmp/kp/via/moved'

/tmp/bin/mkdir /tmp/kp/via/made
check "kpath: a mkdir through a symlinked directory names the directory made" \
	wait_for /tmp/kp.out 10 '"rule":"kp mkdir"' 'name=/tmp/kp/logs/made raw=/tmp/kp/via/made'

# The race: as many successful deletions reported of the watched file as
# real deletions of it, whatever the buffer said when vigil copied it (a
# name torn by the rewrite fails with ENOENT: reported, not counted).
out=$(flip-unlink /tmp/kp/logs/r /tmp/kp/rest/r 400)
real=${out#deleted }
/tmp/bin/rm /tmp/kp/logs/plain 2>/dev/null
touch /tmp/kp/logs/end
/tmp/bin/rm /tmp/kp/logs/end
if ! wait_for /tmp/kp.out 10 'name=/tmp/kp/logs/end'; then
	not_ok "kpath: the race's end mark is reported"
	diag /tmp/kp.err
else
	seen=$(lines_with /tmp/kp.out '"rule":"kp delete"' 'name=/tmp/kp/logs/r ' 'res=SUCCESS' | wc -l)
	lied=$(lines_with /tmp/kp.out 'name=/tmp/kp/logs/r raw=/tmp/kp/rest/r res=SUCCESS' | wc -l)
	echo "# flip-unlink: $real real deletions of the watched file; $seen alerts; the entry copy named the other file in $lied of them"
	if [ -n "$real" ] && [ "$seen" = "$real" ]; then
		ok "kpath: a buffer rewritten during unlink gets one alert per real deletion ($real)"
	else
		not_ok "kpath: a buffer rewritten during unlink gets one alert per real deletion ($real real, $seen alerts)"
	fi
fi

[ -n "$tap_failed" ] && diag /tmp/kp.err /tmp/kp.out
kill -INT $vpid
wait $vpid
exit 0
