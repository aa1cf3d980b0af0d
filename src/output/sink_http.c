// SPDX-License-Identifier: Apache-2.0
/*
 * http(s) sink (Falco's http_output) with libcurl: one alert per POST
 * (falcosidekick's contract: the body is the alert's JSON object), one
 * curl handle reused so the connection is kept alive. A request that
 * times out, cannot connect, or gets 408, 429 or 5xx is retried (the line
 * stays at the head of the queue, see outputs.c): unlike Falco, a timeout
 * loses nothing while the queue has room. Other 4xx answers mean the
 * receiver refuses this alert: it is dropped and counted.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/log.h"
#include "output/sink.h"

#define TIMEOUT_MS_DEFAULT 5000
#define TIMEOUTS_WARN_DEFAULT 5

struct http_sink {
	CURL *curl;
	struct curl_slist *headers;
	unsigned timeouts; /* consecutive */
	unsigned char *gz;
	size_t gzcap;
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	return size * nmemb;
}

static int http_open(struct vg_sink *s)
{
	const struct vg_sink_conf *c = &s->conf;
	struct http_sink *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	s->priv = h;
	h->curl = curl_easy_init();
	if (!h->curl)
		return -ENOMEM;
	h->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->compress)
		h->headers = curl_slist_append(h->headers, "Content-Encoding: gzip");
	/* no "Expect: 100-continue" round trip for bodies over 1 KiB */
	h->headers = curl_slist_append(h->headers, "Expect:");
	if (!h->headers)
		return -ENOMEM;
	curl_easy_setopt(h->curl, CURLOPT_URL, c->target);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT,
			 c->user_agent && *c->user_agent ? c->user_agent : "vigil");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS,
			 (long)(c->timeout_ms ? c->timeout_ms : TIMEOUT_MS_DEFAULT));
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!c->keep_alive)
		curl_easy_setopt(h->curl, CURLOPT_FORBID_REUSE, 1L);
	if (c->insecure) {
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	/* Falco's precedence: ca_cert, then ca_bundle, then ca_path */
	if (c->ca_cert && *c->ca_cert)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, c->ca_cert);
	else if (c->ca_bundle && *c->ca_bundle)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, c->ca_bundle);
	else if (c->ca_path && *c->ca_path)
		curl_easy_setopt(h->curl, CURLOPT_CAPATH, c->ca_path);
	if (c->mtls) {
		if (c->client_cert && *c->client_cert)
			curl_easy_setopt(h->curl, CURLOPT_SSLCERT, c->client_cert);
		if (c->client_key && *c->client_key)
			curl_easy_setopt(h->curl, CURLOPT_SSLKEY, c->client_key);
	}
	return 0;
}

/* gzip the body into h->gz; its length, or 0 on failure. */
static size_t gzip_body(struct http_sink *h, const char *line, size_t len)
{
	z_stream z = { 0 };
	size_t need = len + len / 100 + 64;

	if (need > h->gzcap) {
		unsigned char *nb = realloc(h->gz, need);

		if (!nb)
			return 0;
		h->gz = nb;
		h->gzcap = need;
	}
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY))
		return 0;
	z.next_in = (unsigned char *)line;
	z.avail_in = (uInt)len;
	z.next_out = h->gz;
	z.avail_out = (uInt)h->gzcap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return 0;
	}
	deflateEnd(&z);
	return z.total_out;
}

static int http_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	const struct vg_sink_conf *c = &s->conf;
	struct http_sink *h = s->priv;
	unsigned warn_after = c->max_consecutive_timeouts ? c->max_consecutive_timeouts
							  : TIMEOUTS_WARN_DEFAULT;
	const char *body = line;
	size_t blen = len;
	long status = 0;
	CURLcode rc;

	if (c->compress) {
		blen = gzip_body(h, line, len);
		if (!blen)
			return -EAGAIN;
		body = (const char *)h->gz;
	}
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		if (++h->timeouts == warn_after)
			vg_warn("output http %s: %u requests in a row timed out; alerts wait in "
				"the queue and are retried",
				c->target, h->timeouts);
		return -EAGAIN;
	}
	h->timeouts = 0;
	if (rc != CURLE_OK) {
		switch (rc) {
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CIPHER:
			vg_warn("output http %s: %s; alert dropped", c->target,
				curl_easy_strerror(rc));
			return -EINVAL;
		default:
			return -EAGAIN; /* connection refused, reset, TLS handshake, ... */
		}
	}
	if (status >= 200 && status < 300)
		return 0;
	if (status == 408 || status == 429 || status >= 500)
		return -EAGAIN;
	vg_warn("output http %s: answered %ld; alert dropped", c->target, status);
	return -EINVAL;
}

static void http_close(struct vg_sink *s)
{
	struct http_sink *h = s->priv;

	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->gz);
	free(h);
	s->priv = NULL;
}

const struct vg_sink_ops vg_sink_http_ops = {
	.name = "http",
	.open = http_open,
	.write = http_write,
	.close = http_close,
};
