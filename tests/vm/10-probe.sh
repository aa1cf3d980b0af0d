# `vigil probe` on a kernel that has what the host may lack: fentry,
# kprobes and, with lsm=...,bpf on the command line, LSM-BPF; and so both
# enforcement paths.
. /tests/lib/tap.sh

vigil probe --json >/tmp/probe.json 2>/tmp/probe.err
rc=$?
check "probe exits 0 (the agent can run)" [ "$rc" = 0 ]
for f in btf tracepoint raw_tracepoint tp_btf kprobe fentry lsm_bpf ringbuf bpf_send_signal; do
	check "probe: $f available" has /tmp/probe.json "\"$f\":{\"available\":true"
done
check "probe: enforcement kill and deny" \
	has /tmp/probe.json '"enforcement":{"kill":true,"deny":true}'
check "probe: the LSM path hooks give the kernel's paths" \
	has /tmp/probe.json '"kernel_paths":true'
# Whatever is missing, say why (the JSON keeps the kernel's reason).
sed 's/},/},\n/g' /tmp/probe.json | grep -F '"available":false' | sed 's/^/# no: /'
[ -s /tmp/probe.err ] && diag /tmp/probe.err
exit 0
