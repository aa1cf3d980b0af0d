# A kill rule on an open, against a process whose file table another
# process shares (clone(CLONE_FILES)): where LSM-BPF exists the file_open
# hook refuses the open as it kills, so the fd never exists for the other
# process to read. bin/share-read spins a reader on the fd number the
# open will get and copies what it reads, with no syscall, into memory
# its parent sees. The rule names a file only this script creates.
. /tests/lib/tap.sh

echo shared-secret >/tmp/vg-shared
echo plain >/tmp/vg-plain
cat >/tmp/sharers.yaml <<'RULES'
- rule: kill shared opener
  desc: opening the marked file kills
  condition: evt.type in (open, openat) and fd.name = /tmp/vg-shared
  output: "%proc.name opened %fd.name"
  priority: CRITICAL
  tags: [T1005]
  mode: enforce
  action: kill
RULES

vigil run --rules /tmp/sharers.yaml --max-kills 0 >/tmp/sharers.out 2>/tmp/sharers.err &
vpid=$!
if ! wait_ready $vpid /tmp/sharers.err; then
	not_ok "sharers: vigil starts with a kill rule"
	diag /tmp/sharers.err
	exit 0
fi

# the plain control: a file no rule names reaches the reader every round
out=$(share-read /tmp/vg-plain 10)
check "sharers: the reader gets a file no rule names ($out)" [ "$out" = "leaked 10 of 10" ]

out=$(share-read /tmp/vg-shared 30)
check "sharers: the reader never gets the file the kill rule names ($out)" [ "$out" = "leaked 0 of 30" ]
check "sharers: the opens were killed and refused in the LSM hook" \
	wait_for /tmp/sharers.out 10 '"rule":"kill shared opener"' '"action":"killed"' '"decided_at":"lsm hook"'

[ -n "$tap_failed" ] && diag /tmp/sharers.err /tmp/sharers.out
kill -INT $vpid
wait $vpid
exit 0
