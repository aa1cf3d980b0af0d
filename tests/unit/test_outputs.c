// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: output/outputs and its sinks, without BPF. A libmicrohttpd
 * server in this process (plain or TLS, with a self-signed test
 * certificate for 127.0.0.1 made for these tests only) plays the HTTP
 * receiver: TLS verification with ca_cert and with insecure, and refused
 * without either; gzip bodies; 4xx dropped, 5xx retried until it heals; a
 * full queue drops and says so. File reopen and program-per-alert too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "output/outputs.h"

/* A self-signed certificate for IP 127.0.0.1 (openssl req -x509, 100
 * years), and its key: test fixtures, not secrets. */
static const char test_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDHDCCAgSgAwIBAgIUVk5B63esro9wc3bF7Gu9PjVG2fwwDQYJKoZIhvcNAQEL\n"
	"BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEzMDExMjczMVoYDzIxMjYx\n"
	"MTA2MTEyNzMxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB\n"
	"AQUAA4IBDwAwggEKAoIBAQC+ZvsyOENTvASHypvmuG/tc2qdTGJGhXQ4vfALYEVs\n"
	"UmhlHhajVXpUwcmcwtohCDG6mgL8VHJ6k6QeLlQgFKr/mZ+4egjn165Neppdt3Iw\n"
	"1fPpwhEE0yWXNptHudXVepnILYwUUIzVbd4L2N3JA70AjMv4i7lzWLki/FwC1e4O\n"
	"LJbJwg6gW/pU17X/srSjcShBkBDM6MXYJQqYptlQT90YIKxfSo/SPfCN4zXKXevf\n"
	"LfeAH6aLUcrhcsnmPBFZVCzFhGWodvdqTstwkYVYPf6g4VyKRNjzqAaIyOF9vz3o\n"
	"77NFw/ORS8Xge36Mpx3vpDxkHDn9Do+p/IiFc68lASZDAgMBAAGjZDBiMB0GA1Ud\n"
	"DgQWBBRd54+0AvbIuobZCy1anvYllYZzkzAfBgNVHSMEGDAWgBRd54+0AvbIuobZ\n"
	"Cy1anvYllYZzkzAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwDQYJ\n"
	"KoZIhvcNAQELBQADggEBAKCr5KzoRGculbB9kWL0k7jFj6y7GAkFNWuxo9aooBCH\n"
	"91afzry+ra09DA3M70G5J88WglAPQV0+01eFw2WgcZTONrAdRxocm9uGy36C83ug\n"
	"4AHhiV71lZzIor/V7+XvWr73yvxs3dxtSqweJuKLDqkeu5X2sZLK8kagj57MbqvK\n"
	"F3TAQc6h4UgqLNq3n/FwyKcMA43c3QMZm5bbDX/R58Z0qNNBPkEDJQ4N9ZeDSXRe\n"
	"IzbUHwD20cI8K6YD+dYLhewM5i6bGoMnYhW/8gO4BY1k/AwUsGFG9zYBSWuLw2XT\n"
	"gwgLuzYEa017dLrxA4D8ehXjfoF4LZ5yzhxxgSiqdzU=\n"
	"-----END CERTIFICATE-----\n";
static const char test_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC+ZvsyOENTvASH\n"
	"ypvmuG/tc2qdTGJGhXQ4vfALYEVsUmhlHhajVXpUwcmcwtohCDG6mgL8VHJ6k6Qe\n"
	"LlQgFKr/mZ+4egjn165Neppdt3Iw1fPpwhEE0yWXNptHudXVepnILYwUUIzVbd4L\n"
	"2N3JA70AjMv4i7lzWLki/FwC1e4OLJbJwg6gW/pU17X/srSjcShBkBDM6MXYJQqY\n"
	"ptlQT90YIKxfSo/SPfCN4zXKXevfLfeAH6aLUcrhcsnmPBFZVCzFhGWodvdqTstw\n"
	"kYVYPf6g4VyKRNjzqAaIyOF9vz3o77NFw/ORS8Xge36Mpx3vpDxkHDn9Do+p/IiF\n"
	"c68lASZDAgMBAAECggEAV/PXLpQZ2bi8+QMpMBNbtLq/cYkCzqPAE6P9miuu9gI9\n"
	"MhSLjYijOTrJSI4j1+Vin1mcbnYN6byAr+ZjuuwBL5AF3WAV9A7H+Add/lOKvq9e\n"
	"fElGtk1ZDHhPk3rvIa2AEx2jGxE4dTDKxPs5PC1rZbEkWZwlnvhJkTU0xaSP0mCP\n"
	"LykrYIfBpK8MNDiIICCeGKVfYd5qYhMHn0ee3JqHwqY5qyKiU9YfKXoCfeB4VXkM\n"
	"yS4FckhPpuaWZsr60VsuUEhnf1VHICPoPikfjyV7z0B6jH7Q+0PRd7afvZe5G8V5\n"
	"yXuIF44ixGSHQ0lFEr8QcOrBMzaPhfs9/C3GOPusvQKBgQDqq2uQUi88HrgHPrkc\n"
	"AWYx7e89BSZAGWwBLl5it1QqaCgnUEA0cZomqicY0eiN6HBtNxo6bHeZdnWFfXPO\n"
	"Ch8ubOveaLhtILNC/hEqjAp5BmkLlB/W1vlNBlGJ9aTJOdY+fN5+9kLunnmGqsva\n"
	"/R6tgTThm4K4WN0R0gwSth5lzwKBgQDPtX6RMvuMICg1HNzb5qnEvcRaCKVztTs9\n"
	"dfExlICWxqreHeh/m8dpGlTBzPBRqip3kL6SFzfn2MqlRswyyHcch+tYq4Z0W2Hd\n"
	"3Pmcb9vW6ZJKkZ0anhcOR2lHkqlIwycXZPZFJOuJiUqSf2rIMkjqt5BVcVlIkABS\n"
	"5/zX6YPJTQKBgFWpW2tkRK/KetzSLZomfJqPQzxgC9VsMjvAJF4ek8+jE70+EyHR\n"
	"sjaY+AqcXSqoBZooeh+HhqTzU/T1lXdJxJYa1oLqcSAMxsMWoUeJtSz2hRPf7ztq\n"
	"X7iZLNySWaPGxAktZb6swEQAf1YENMPsj+0/9ADC1pXagmBF73hJGJGLAoGAa47P\n"
	"gL8G1bQdPgu5LsJObUvbbsgFbVqO16/Ie2UsBWfROX4BVHtFkt6Iv2axl4hnv0yb\n"
	"8qjFUXDI1zdHLJD0ZTjZHSyNTpm3nxz7wQ+Hps2C7Mxkr1DoHYPLN73xnXU5O/sT\n"
	"MBEDS1Bl5mDG2e54JdtyiVxN4K55DHWHUANjNA0CgYBV6rHeFZFQX5Ne/ooDPjiI\n"
	"91uMKaCQ5KtHeA6RXqjD8onKilIfKPu3AiywjC/r29uhIGIpqXAwqHvSxgc1XaSZ\n"
	"wFQtBQtyVNOo9IYYAYyFyH8e3aw3GMcKGtbwfCnsIWyImQh2oush4S3AiiTKTmGI\n"
	"EQjVx24NVGlZjSFRyeZvGA==\n"
	"-----END PRIVATE KEY-----\n";

static char dir[64];

/* --- the receiver ---------------------------------------------------------------- */

struct recv {
	struct MHD_Daemon *d;
	unsigned port;
	pthread_mutex_t mu;
	int status;	/* the answer to give */
	int count;	/* POSTs answered 2xx */
	int seen;	/* POSTs received */
	char body[4096]; /* the last body, as received */
	size_t blen;
	bool gzip;	/* the last request said Content-Encoding: gzip */
};

struct conn {
	char buf[4096];
	size_t len;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct recv *r = cls;
	struct conn *cn = *con_cls;
	struct MHD_Response *resp;
	const char *enc;
	enum MHD_Result ret;
	int status;

	if (!cn) {
		*con_cls = calloc(1, sizeof(struct conn));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*size) {
		size_t n = *size < sizeof(cn->buf) - cn->len ? *size : sizeof(cn->buf) - cn->len;

		memcpy(cn->buf + cn->len, data, n);
		cn->len += n;
		*size = 0;
		return MHD_YES;
	}
	enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
	pthread_mutex_lock(&r->mu);
	status = r->status;
	r->seen++;
	if (status / 100 == 2) {
		r->count++;
		memcpy(r->body, cn->buf, cn->len);
		r->blen = cn->len;
		r->gzip = enc && !strcmp(enc, "gzip");
	}
	pthread_mutex_unlock(&r->mu);
	free(cn);
	*con_cls = NULL;
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void recv_start(struct recv *r, bool tls)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (tls ? MHD_USE_TLS : 0);

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->status = 200;
	if (tls)
		r->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, r,
					MHD_OPTION_HTTPS_MEM_KEY, test_key, MHD_OPTION_HTTPS_MEM_CERT,
					test_cert, MHD_OPTION_END);
	else
		r->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, r, MHD_OPTION_END);
	assert_non_null(r->d);
	r->port = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void recv_stop(struct recv *r)
{
	MHD_stop_daemon(r->d);
	pthread_mutex_destroy(&r->mu);
}

static int recv_get(struct recv *r, int *field)
{
	int v;

	pthread_mutex_lock(&r->mu);
	v = *field;
	pthread_mutex_unlock(&r->mu);
	return v;
}

/* --- helpers -------------------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait (10 s at most) until sink 0 has sent `sent` lines, or retried `retried`. */
static struct vg_sink_stats wait_stats(struct vg_outputs *o, uint64_t sent, uint64_t retried)
{
	struct vg_sink_stats st;

	for (long long end = now_ms() + 10000;; pause_ms(10)) {
		vg_outputs_stats(o, 0, &st);
		if ((sent && st.sent >= sent) || (retried && st.retried >= retried) ||
		    now_ms() > end)
			return st;
	}
}

static struct vg_outputs *one_sink(const struct vg_sink_conf *s, size_t cap)
{
	struct vg_outputs_conf oc = { .sinks = s, .nsinks = 1, .queue_capacity = cap,
				      .drain_ms = 300 };
	struct vg_outputs *o = vg_outputs_new(&oc);

	assert_non_null(o);
	return o;
}

static void emit(struct vg_outputs *o, const char *line)
{
	vg_outputs_emit(o, VG_PRIO_WARNING, line, strlen(line));
}

static char *path_in(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static int lines_in(const char *path, const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

/* --- tests ------------------------------------------------------------------------------ */

static void test_https_ca_cert(void **state)
{
	struct recv r;
	char url[64];
	struct vg_sink_conf s = { .kind = VG_SINK_HTTP, .target = url, .keep_alive = true,
				  .ca_cert = path_in("cert.pem") };
	struct vg_outputs *o;
	struct vg_sink_stats st;

	recv_start(&r, true);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", r.port);
	o = one_sink(&s, 0);
	emit(o, "{\"n\":1}");
	emit(o, "{\"n\":2}");
	emit(o, "{\"n\":3}");
	st = wait_stats(o, 3, 0);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(recv_get(&r, &r.count), 3);
	assert_memory_equal(r.body, "{\"n\":3}", 7);
	assert_string_equal(st.name, "http");
	vg_outputs_free(o);
	recv_stop(&r);
}

/* No CA that vouches for the server: nothing sent, retried, and what is
 * left when the outputs stop is counted as dropped. insecure: sent. */
static void test_https_verification(void **state)
{
	struct recv r;
	char url[64];
	/* CAs from a directory that holds none (OpenSSL looks CAs up there
	 * by hash name): verification fails, the configuration is valid */
	struct vg_sink_conf s = { .kind = VG_SINK_HTTP, .target = url, .keep_alive = true,
				  .ca_path = dir, .timeout_ms = 2000 };
	struct vg_outputs *o;
	struct vg_sink_stats st;

	recv_start(&r, true);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", r.port);
	o = one_sink(&s, 0);
	emit(o, "{\"n\":1}");
	st = wait_stats(o, 0, 2);
	assert_true(st.retried >= 2);
	assert_int_equal(st.sent, 0);
	vg_outputs_stop(o);
	vg_outputs_stats(o, 0, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(recv_get(&r, &r.count), 0);
	vg_outputs_free(o);

	s.ca_path = NULL;
	s.insecure = true;
	o = one_sink(&s, 0);
	emit(o, "{\"n\":2}");
	st = wait_stats(o, 1, 0);
	assert_int_equal(st.sent, 1);
	vg_outputs_free(o);
	recv_stop(&r);
}

static void test_http_gzip(void **state)
{
	static const char line[] = "{\"rule\":\"compressed\",\"output\":\"aaaaaaaaaaaaaaaaaaaaaaaa\"}";
	struct recv r;
	char url[64], out[256];
	uLongf outlen = sizeof(out);
	struct vg_sink_conf s = { .kind = VG_SINK_HTTP, .target = url, .compress = true };
	struct vg_outputs *o;
	z_stream z = { 0 };

	recv_start(&r, false);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", r.port);
	o = one_sink(&s, 0);
	emit(o, line);
	assert_int_equal(wait_stats(o, 1, 0).sent, 1);
	vg_outputs_free(o);
	assert_true(r.gzip);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)r.body;
	z.avail_in = (uInt)r.blen;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)outlen;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, strlen(line));
	assert_memory_equal(out, line, strlen(line));
	inflateEnd(&z);
	recv_stop(&r);
}

/* 400: the receiver refuses this alert, dropped. 503: retried, delivered
 * once the receiver answers 200 again, in order. */
static void test_http_status(void **state)
{
	struct recv r;
	char url[64];
	struct vg_sink_conf s = { .kind = VG_SINK_HTTP, .target = url, .keep_alive = true };
	struct vg_outputs *o;
	struct vg_sink_stats st;

	recv_start(&r, false);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", r.port);
	o = one_sink(&s, 0);
	r.status = 400;
	emit(o, "{\"n\":\"refused\"}");
	for (long long end = now_ms() + 10000; now_ms() < end; pause_ms(10)) {
		vg_outputs_stats(o, 0, &st);
		if (st.dropped)
			break;
	}
	assert_int_equal(st.dropped, 1);
	pthread_mutex_lock(&r.mu);
	r.status = 503;
	pthread_mutex_unlock(&r.mu);
	emit(o, "{\"n\":\"later\"}");
	st = wait_stats(o, 0, 2);
	assert_true(st.retried >= 2);
	assert_int_equal(st.sent, 0);
	pthread_mutex_lock(&r.mu);
	r.status = 200;
	pthread_mutex_unlock(&r.mu);
	st = wait_stats(o, 1, 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.dropped, 1);
	assert_memory_equal(r.body, "{\"n\":\"later\"}", 13);
	vg_outputs_free(o);
	recv_stop(&r);
}

/* Nobody listens: the queue (2) fills, the rest is dropped and counted,
 * and the drops are reported once. */
static void test_queue_full(void **state)
{
	struct vg_sink_conf s = { .kind = VG_SINK_HTTP, .target = "http://127.0.0.1:9/" };
	struct vg_outputs *o = one_sink(&s, 2);
	struct vg_sink_stats st;
	const char *which;

	for (int i = 0; i < 5; i++)
		emit(o, "{}");
	vg_outputs_stats(o, 0, &st);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.queued, 2);
	assert_int_equal(vg_outputs_poll_drops(o, &which), 3);
	assert_string_equal(which, "http");
	assert_int_equal(vg_outputs_poll_drops(o, &which), 0);
	vg_outputs_stop(o);
	vg_outputs_stats(o, 0, &st);
	assert_int_equal(st.dropped, 5); /* what the stop could not deliver */
	vg_outputs_free(o);
}

/* logrotate: rename, reopen, the next line goes to a new file. */
static void test_file_reopen(void **state)
{
	char *path = path_in("alerts.json"), *old = path_in("alerts.json.1");
	struct vg_sink_conf s = { .kind = VG_SINK_FILE, .target = path, .keep_alive = true };
	struct vg_outputs *o = one_sink(&s, 0);

	emit(o, "{\"n\":\"before\"}");
	assert_int_equal(wait_stats(o, 1, 0).sent, 1);
	/* the line is flushed when the queue empties; rename it away */
	for (long long end = now_ms() + 10000; !lines_in(path, "before") && now_ms() < end;)
		pause_ms(10);
	assert_int_equal(rename(path, old), 0);
	vg_outputs_reopen(o);
	emit(o, "{\"n\":\"after\"}");
	assert_int_equal(wait_stats(o, 2, 0).sent, 2);
	vg_outputs_free(o);
	assert_int_equal(lines_in(old, "before"), 1);
	assert_int_equal(lines_in(old, "after"), 0);
	assert_int_equal(lines_in(path, "after"), 1);
}

/* program_output without keep_alive: a child per alert, each waited for. */
static void test_program_per_alert(void **state)
{
	char cmd[192], *out = path_in("program.out");
	struct vg_sink_conf s = { .kind = VG_SINK_PROGRAM, .target = cmd };
	struct vg_outputs *o;

	snprintf(cmd, sizeof(cmd), "cat >> %s", out);
	o = one_sink(&s, 0);
	emit(o, "{\"n\":1}");
	emit(o, "{\"n\":2}");
	assert_int_equal(wait_stats(o, 2, 0).sent, 2);
	vg_outputs_free(o);
	assert_int_equal(lines_in(out, "{\"n\":"), 2);
}

static int setup(void **state)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-outputs-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	f = fopen(path_in("cert.pem"), "w");
	if (!f || fputs(test_cert, f) < 0 || fclose(f))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_https_ca_cert),	 cmocka_unit_test(test_https_verification),
		cmocka_unit_test(test_http_gzip),	 cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_queue_full),	 cmocka_unit_test(test_file_reopen),
		cmocka_unit_test(test_program_per_alert),
	};

	return cmocka_run_group_tests_name("outputs", tests, setup, teardown);
}
