# TAP helpers for the guest's test scripts (busybox sh), sourced as
# `. /tests/lib/tap.sh`. /init sets TAP_BASE to the number of tests the
# scripts before this one reported, so numbers run on across scripts.

tap_n=${TAP_BASE:-0}
tap_failed= # set once a test of this script failed

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=1
	echo "not ok $tap_n - $*"
}

# check NAME COMMAND...: one test, passing when COMMAND succeeds.
check() {
	local name="$1"
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# diag FILE...: show files as TAP comments (after a failure).
diag() {
	local f
	for f in "$@"; do
		echo "# --- $f"
		tail -n 30 "$f" 2>/dev/null | sed 's/^/# /'
	done
}

# wait_for FILE SECONDS PATTERN...: poll FILE every 0.1 s until one line
# holds every fixed-string PATTERN; 0 when found, 1 after SECONDS.
wait_for() {
	local file="$1" tries=$(($2 * 10))
	shift 2
	while [ "$tries" -gt 0 ]; do
		if lines_with "$file" "$@" >/dev/null; then return 0; fi
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# lines_with FILE PATTERN...: the lines of FILE holding every fixed-string
# PATTERN (grep -F chained; vigil's JSON keeps one object per line).
lines_with() {
	local file="$1" pat="$2"
	shift 2
	if [ $# -eq 0 ]; then
		grep -F -- "$pat" "$file" 2>/dev/null
	else
		grep -F -- "$pat" "$file" 2>/dev/null | lines_with - "$@"
	fi
}

# wait_ready PID FILE: wait up to 60 s for vigil's ready line in FILE (its
# stderr); give up at once if process PID is gone.
wait_ready() {
	local pid="$1" file="$2" tries=600
	while [ "$tries" -gt 0 ]; do
		if has "$file" "vigil: ready ("; then return 0; fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# has FILE PATTERN...: some line of FILE holds every PATTERN.
has() {
	lines_with "$@" >/dev/null
}
