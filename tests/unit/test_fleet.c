// SPDX-License-Identifier: Apache-2.0
/* Unit tests: the fleet's data formats (common/sha256, fleet/heartbeat,
 * fleet/bundle) and the RFC 3339 parser they use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/sha256.h"
#include "fleet/alertscan.h"
#include "fleet/bundle.h"
#include "fleet/heartbeat.h"

static void hex_of(const char *s, size_t len, char out[65])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, s, len);
	sha256_final_hex(&c, out);
}

static void test_sha256_vectors(void **state)
{
	char h[65], big[1001];
	struct sha256 c;

	hex_of("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a's, fed in uneven pieces */
	memset(big, 'a', sizeof(big));
	sha256_init(&c);
	for (int i = 0; i < 1000; i++)
		sha256_update(&c, big, i % 2 ? 999 : 1001);
	sha256_final_hex(&c, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_rfc3339(void **state)
{
	char buf[40];
	int64_t ns;

	vg_clock_rfc3339(1764496800123456789ull, buf, sizeof(buf));
	assert_int_equal(vg_clock_parse_rfc3339(buf, &ns), 0);
	assert_true(ns == 1764496800123456789ll);
	assert_int_equal(vg_clock_parse_rfc3339("2026-11-30T10:00:00Z", &ns), 0);
	assert_true(ns % 1000000000 == 0);
	assert_int_equal(vg_clock_parse_rfc3339("2026-11-30T10:00:00.5Z", &ns), 0);
	assert_true(ns % 1000000000 == 500000000);
	assert_int_equal(vg_clock_parse_rfc3339("2026-11-30 10:00:00Z", &ns), -EINVAL);
	assert_int_equal(vg_clock_parse_rfc3339("2026-11-30T10:00:00+01:00", &ns), -EINVAL);
}

static void test_heartbeat_roundtrip(void **state)
{
	struct vg_hb_rule rules[] = {
		{ .rule = "Read \"shadow\"", .mode = "enforce", .matches = 7, .killed = 2,
		  .would_kill = 5, .denied = 0, .would_deny = 1 },
		{ .rule = "Other", .mode = "alert", .matches = 1 },
	};
	struct vg_heartbeat hb = {
		.hostname = "web-1.example.com", .version = "0.1.0",
		.time_ns = 1764496800000000001ll, .interval_s = 10, .ruleset_hash = "ab12",
		.ruleset_generation = 3, .ruleset_revision = 12, .mode_cap = "alert",
		.rules = rules, .nrules = 2, .events_lost = 4, .alerts_dropped = 9,
		.reload_failures = 1, .reload_error = "r.yaml:1:2: bad",
	}, back;
	struct strbuf sb = STRBUF_INIT;

	vg_heartbeat_json(&hb, &sb);
	assert_int_equal(vg_heartbeat_parse(sb.buf, sb.len, &back), 0);
	assert_string_equal(back.hostname, hb.hostname);
	assert_string_equal(back.version, "0.1.0");
	assert_true(back.time_ns == hb.time_ns);
	assert_int_equal(back.interval_s, 10);
	assert_string_equal(back.ruleset_hash, "ab12");
	assert_int_equal(back.ruleset_generation, 3);
	assert_int_equal(back.ruleset_revision, 12);
	assert_string_equal(back.mode_cap, "alert");
	assert_int_equal(back.nrules, 2);
	assert_string_equal(back.rules[0].rule, "Read \"shadow\"");
	assert_string_equal(back.rules[0].mode, "enforce");
	assert_int_equal(back.rules[0].matches, 7);
	assert_int_equal(back.rules[0].killed, 2);
	assert_int_equal(back.rules[0].would_kill, 5);
	assert_int_equal(back.rules[0].would_deny, 1);
	assert_int_equal(back.events_lost, 4);
	assert_int_equal(back.alerts_dropped, 9);
	assert_int_equal(back.reload_failures, 1);
	assert_string_equal(back.reload_error, "r.yaml:1:2: bad");
	vg_heartbeat_release(&back);

	/* a successful reload: error is null */
	hb.reload_error = NULL;
	strbuf_reset(&sb);
	vg_heartbeat_json(&hb, &sb);
	assert_non_null(strstr(sb.buf, "\"error\":null"));
	assert_int_equal(vg_heartbeat_parse(sb.buf, sb.len, &back), 0);
	assert_null(back.reload_error);
	vg_heartbeat_release(&back);

	assert_int_equal(vg_heartbeat_parse("{\"version\":\"1\"}", 15, &back), -EINVAL);
	assert_int_equal(vg_heartbeat_parse("{\"hostname\":\"h\",\"rules\":[{\"rule\":1}]}", 37, &back),
			 -EINVAL);
	assert_int_equal(vg_heartbeat_parse("nope", 4, &back), -EINVAL);
	strbuf_release(&sb);
}

/* The status line of `vigil fleet status --json`, written by the same
 * writer as the heartbeat it shows. */
static void test_heartbeat_status(void **state)
{
	struct vg_hb_rule rules[] = { { .rule = "A" }, { .rule = "B" } };
	struct vg_heartbeat hb = {
		.hostname = "web-1", .version = "0.1.0", .time_ns = 1, .interval_s = 10,
		.ruleset_hash = "ab12", .ruleset_generation = 3, .ruleset_revision = 12,
		.rules = rules, .nrules = 2, .events_lost = 4, .alerts_dropped = 9,
	};
	const struct vg_hb_seen seen = { .seen_ns = 1764496800000000000ll,
					 .now_ns = 1764496842500000000ll, .current = true };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	vg_heartbeat_status_json(&hb, &seen, &sb);
	assert_non_null(strstr(sb.buf, "{\"hostname\":\"web-1\",\"version\":\"0.1.0\",\"last_seen\":\"20"));
	assert_non_null(strstr(sb.buf, "\"age_s\":42,\"stale\":false,\"ruleset\":{\"hash\":\"ab12\","
				       "\"generation\":3,\"revision\":12,\"current\":true},"
				       "\"mode_cap\":\"\",\"rules\":2,"
				       "\"losses\":{\"events\":4,\"alerts_dropped\":9},"
				       "\"reload\":{\"failures\":0,\"error\":null}}"));
	/* the publisher's own time and interval are not the status's */
	assert_null(strstr(sb.buf, "\"time\""));
	assert_null(strstr(sb.buf, "interval_s"));
	strbuf_release(&sb);
}

static const char rules_a[] = "- rule: Shadow read\n"
			      "  desc: d\n"
			      "  condition: evt.type = openat and fd.name = /etc/shadow\n"
			      "  output: read %fd.name\n"
			      "  priority: WARNING\n"
			      "  action: kill\n";

static void test_bundle_roundtrip_and_override(void **state)
{
	struct vg_bundle b = { 0 }, back;
	struct vg_diag diag = { .out = NULL };
	struct vg_ruleset *rs;
	struct strbuf sb = STRBUF_INIT;
	char h1[65];

	b.files = calloc(1, sizeof(*b.files));
	b.files[0].name = strdup("rules/a.yaml");
	b.files[0].text = strdup(rules_a);
	b.files[0].len = strlen(rules_a);
	b.nfiles = 1;
	b.pushed_by = strdup("ops");
	b.time_ns = 1764496800000000000ll;
	rs = vg_bundle_load(&b, &diag);
	assert_non_null(rs);
	assert_int_equal(rs->rules[0]->mode, VG_MODE_ALERT);
	vg_ruleset_free(rs);
	vg_bundle_hash(&b);
	memcpy(h1, b.hash, sizeof(h1));

	/* promote: the same files, one override item; the hash changes */
	assert_int_equal(vg_bundle_set_mode(&b, "Shadow read", "enforce"), 0);
	assert_int_equal(vg_bundle_set_mode(&b, "Shadow read", "bogus"), -EINVAL);
	rs = vg_bundle_load(&b, &diag);
	assert_non_null(rs);
	assert_int_equal(rs->rules[0]->mode, VG_MODE_ENFORCE);
	vg_ruleset_free(rs);
	vg_bundle_encode(&b, &sb);
	assert_string_not_equal(b.hash, h1);

	assert_int_equal(vg_bundle_decode(sb.buf, sb.len, &back), 0);
	assert_int_equal(back.nfiles, 1);
	assert_string_equal(back.files[0].name, "rules/a.yaml");
	assert_string_equal(back.files[0].text, rules_a);
	assert_int_equal(back.nov, 1);
	assert_string_equal(back.ov[0].mode, "enforce");
	assert_string_equal(back.hash, b.hash);
	assert_string_equal(back.pushed_by, "ops");
	vg_bundle_release(&back);

	/* a stored value whose text was altered no longer matches its hash */
	{
		char *p = strstr(sb.buf, "WARNING");

		assert_non_null(p);
		memcpy(p, "NOTICE ", 7);
		assert_int_equal(vg_bundle_decode(sb.buf, sb.len, &back), -EINVAL);
	}

	/* an override of a rule that does not exist fails to load, naming it */
	assert_int_equal(vg_bundle_set_mode(&b, "No such rule", "enforce"), 0);
	diag = (struct vg_diag){ .out = NULL };
	assert_null(vg_bundle_load(&b, &diag));
	assert_true(diag.errors > 0);
	vg_bundle_release(&b);
	strbuf_release(&sb);
}

static int scan(const char *json, struct vg_alert_keys *k, char *buf, size_t size)
{
	return vg_alert_scan(json, strlen(json), k, buf, size);
}

static void test_alert_scan(void **state)
{
	struct vg_alert_keys k;
	char buf[512];
	const char *alert =
		"{\"time\":\"2026-11-30T10:00:00.000000001Z\",\"rule\":\"Read \\\"shadow\\\" \\u00e9\\ud83d\\ude00\","
		"\"priority\":\"Warning\",\"output\":\"x \\\\ y\\t{\\\"[\",\"output_fields\":{\"a\":[1,{\"b\":[]},"
		"\"]\"],\"container.id\":\"c0ffee\",\"evt.time\":1764496800000000001,\"proc.exepath\":"
		"\"/usr/bin/cat\",\"proc.name\":\"cat\",\"proc.pid\":-12,\"n\":null,\"t\":true,\"e\":{}},"
		"\"tags\":[\"T1003.008\"],\"hostname\":\"web-1\",\"source\":\"syscall\",\"mode\":\"alert\","
		"\"action\":\"would-kill\"}\n";

	assert_int_equal(scan(alert, &k, buf, sizeof(buf)), 0);
	assert_string_equal(k.rule, "Read \"shadow\" \xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(k.hostname, "web-1");
	assert_string_equal(k.mode, "alert");
	assert_string_equal(k.action, "would-kill");
	assert_string_equal(k.exepath, "/usr/bin/cat");
	assert_string_equal(k.name, "cat");
	assert_string_equal(k.container, "c0ffee");
	/* the same keys at the wrong depth are not taken */
	assert_int_equal(scan("{\"x\":{\"rule\":\"no\"},\"proc.name\":\"no\"}", &k, buf, sizeof(buf)), 0);
	assert_null(k.rule);
	assert_null(k.name);
	/* not JSON, not one object, a kept value not a string, too small */
	assert_int_equal(scan("{\"rule\":\"a\"", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"rule\":\"a\"} {}", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"rule\":1}", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"a\":[1,2}", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"rule\":\"a\\q\"}", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"rule\":\"tab\there\"}", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("[]", &k, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scan("{\"rule\":\"abcdef\"}", &k, buf, 4), -ENOSPC);
	assert_int_equal(scan("{}", &k, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_heartbeat_roundtrip),
		cmocka_unit_test(test_heartbeat_status),
		cmocka_unit_test(test_bundle_roundtrip_and_override),
		cmocka_unit_test(test_alert_scan),
	};

	return cmocka_run_group_tests_name("fleet", tests, NULL, NULL);
}
