// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: pipeline/runtime, the docker API answer parser (the worker
 * and its queues meet a fake API server in tests/integration/context_it.c),
 * and a runtime without a socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#include "pipeline/containers.h"
#include "pipeline/runtime.h"

#define BODY "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Config\":{\"Image\":\"nginx:1.25\",\"Env\":[]}}"

static int parse(const char *resp, struct vg_cmeta *m)
{
	return vg_docker_parse(resp, strlen(resp), m);
}

static void test_parse_ok(void **state)
{
	struct vg_cmeta m;
	char resp[512];

	(void)state;
	/* HTTP/1.0, read to the end */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" BODY, &m), 0);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image, "nginx:1.25");
	/* Content-Length bounds the body (what follows is not JSON) */
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n%sGARBAGE",
		 strlen(BODY), BODY);
	assert_int_equal(parse(resp, &m), 0);
	assert_string_equal(m.name, "web");
	/* chunked, in three pieces, with a chunk extension */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "a\r\n{\"Name\":\"/\r\n"
			       "3;ext=1\r\nweb\r\n"
			       "1f\r\n\",\"Config\":{\"Image\":\"busybox\"}}\r\n"
			       "0\r\n\r\n",
			       &m),
			 0);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image, "busybox");
	/* no image: the name alone */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"plain\"}", &m), 0);
	assert_string_equal(m.name, "plain");
	assert_string_equal(m.image, "");
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"HTTP/1.0",
		"HTTP/1.0 500 Internal Server Error\r\n\r\n{\"message\":\"boom\"}",
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n",	 /* no blank line */
		"HTTP/1.0 200 OK\r\n\r\n{\"Name\":",				 /* cut JSON */
		"HTTP/1.0 200 OK\r\n\r\n[1,2,3]",				 /* not an object */
		"HTTP/1.0 200 OK\r\n\r\n{\"Name\":42}",				 /* not a string */
		"HTTP/1.0 200 OK\r\nContent-Length: 999\r\n\r\n{\"Name\":\"x\"}", /* short */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",	 /* bad size */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n{}\r\n0\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
	};
	struct vg_cmeta m;

	(void)state;
	assert_int_equal(parse("HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"No such container\"}", &m),
			 -ENOENT);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &m), -EPROTO);
}

static void test_parse_bounds(void **state)
{
	char resp[2048], name[600];
	struct vg_cmeta m;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"/%s\",\"Config\":{\"Image\":\"%s\"}}",
		 name, name);
	assert_int_equal(parse(resp, &m), 0);
	assert_int_equal(strlen(m.name), VG_CNAME_MAX - 1);
	assert_int_equal(strlen(m.image), VG_CIMAGE_MAX - 1);
}

#define ID "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef"

static struct vg_cinfo cinfo(const char *id, const char *runtime)
{
	struct vg_cinfo ci = { .container = true, .runtime = runtime };

	snprintf(ci.full_id, sizeof(ci.full_id), "%s", id);
	snprintf(ci.id, sizeof(ci.id), "%.12s", id);
	return ci;
}

/* Poll until the worker has answered one lookup, up to 10 s. */
static void answered(struct vg_runtime *rt, uint64_t now)
{
	for (int i = 0; i < 10000 && vg_runtime_poll(rt, now) == 0; i++)
		usleep(1000);
}

/* No socket and no state: the lookup fails, is cached, and is retried
 * after 2 s, then 4 s, ... */
static void test_unreachable(void **state)
{
	struct vg_runtime *rt = vg_runtime_new("/nonexistent/docker.sock", "/nonexistent-root");
	struct vg_cinfo ci = cinfo(ID, "docker");
	struct vg_runtime_stats st;

	(void)state;
	assert_non_null(rt);
	vg_runtime_poll(rt, 100);
	assert_null(vg_runtime_meta(rt, &ci, 1));
	assert_null(vg_runtime_meta(rt, &ci, 1)); /* pending: not asked twice */
	answered(rt, 100);
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.failed, 1);
	vg_runtime_poll(rt, 101);
	assert_null(vg_runtime_meta(rt, &ci, 1)); /* cached failure */
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 1);
	vg_runtime_poll(rt, 102);
	assert_null(vg_runtime_meta(rt, &ci, 1)); /* retried after 2 s */
	answered(rt, 102);
	vg_runtime_poll(rt, 105);
	assert_null(vg_runtime_meta(rt, &ci, 1)); /* the next one waits 4 s */
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 2);
	vg_runtime_poll(rt, 106);
	assert_null(vg_runtime_meta(rt, &ci, 1));
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 3);
	answered(rt, 106);
	vg_runtime_free(rt);
	vg_runtime_free(NULL);
}

/* --- state files ------------------------------------------------------------------ */

static int oci(const char *json, struct vg_cmeta *m)
{
	return vg_oci_parse(json, strlen(json), m);
}

static void test_oci(void **state)
{
	struct vg_cmeta m = { 0 };

	(void)state;
	/* containerd's CRI plugin */
	assert_int_equal(oci("{\"ociVersion\":\"1.0.2\",\"annotations\":{"
			     "\"io.kubernetes.cri.container-type\":\"container\","
			     "\"io.kubernetes.cri.container-name\":\"app\","
			     "\"io.kubernetes.cri.image-name\":\"registry.local/shop/app:2.1\","
			     "\"io.kubernetes.cri.sandbox-name\":\"web-7f9c\","
			     "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
			     "\"io.kubernetes.cri.sandbox-uid\":\"4a5b6c7d-1111-2222-3333-444455556666\"}}",
			     &m),
			 0);
	assert_string_equal(m.name, "app");
	assert_string_equal(m.image, "registry.local/shop/app:2.1");
	assert_string_equal(m.pod_name, "web-7f9c");
	assert_string_equal(m.pod_ns, "shop");
	assert_string_equal(m.pod_uid, "4a5b6c7d-1111-2222-3333-444455556666");
}

static void test_oci_crio(void **state)
{
	struct vg_cmeta m = { 0 };

	(void)state;
	assert_int_equal(oci("{\"annotations\":{\"io.kubernetes.container.name\":\"db\","
			     "\"io.kubernetes.cri-o.ImageName\":\"quay.io/x/db:15\","
			     "\"io.kubernetes.pod.name\":\"db-0\",\"io.kubernetes.pod.namespace\":\"data\","
			     "\"io.kubernetes.pod.uid\":\"u-1\"}}",
			     &m),
			 0);
	assert_string_equal(m.name, "db");
	assert_string_equal(m.image, "quay.io/x/db:15");
	assert_string_equal(m.pod_name, "db-0");
	assert_string_equal(m.pod_ns, "data");
	/* a field already filled by a source asked earlier stays */
	assert_int_equal(oci("{\"annotations\":{\"io.kubernetes.container.name\":\"other\"}}", &m), 0);
	assert_string_equal(m.name, "db");
	/* no Kubernetes annotations (podman's, `ctr run`'s) */
	memset(&m, 0, sizeof(m));
	assert_int_equal(oci("{\"annotations\":{\"io.container.manager\":\"libpod\"}}", &m), -ENOENT);
	assert_int_equal(oci("{\"ociVersion\":\"1.0.2\"}", &m), -ENOENT);
	assert_string_equal(m.name, "");
	assert_int_equal(oci("{\"annotations\":", &m), -EPROTO);
	assert_int_equal(oci("[]", &m), -EPROTO);
}

/* containers/storage's containers.json, as podman 4.3 writes it */
#define STORAGE                                                                                    \
	"[{\"id\":\"aaaa\",\"names\":[\"other\"],\"metadata\":\"{}\"},"                            \
	"{\"id\":\"" ID "\",\"names\":[\"pm1\"],\"image\":\"8576b0bc\",\"layer\":\"7cd5\","      \
	"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/vigil-test/payload:1.0\\\","             \
	"\\\"image-id\\\":\\\"8576b0bc\\\",\\\"name\\\":\\\"pm1\\\",\\\"created-at\\\":1796034683}\"," \
	"\"created\":\"2026-11-30T10:31:23.674618346Z\"}]"

static int storage(const char *json, const char *id, struct vg_cmeta *m)
{
	return vg_storage_parse(json, strlen(json), id, m);
}

static void test_storage(void **state)
{
	struct vg_cmeta m = { 0 };

	(void)state;
	assert_int_equal(vg_storage_parse(STORAGE, strlen(STORAGE), ID, &m), 0);
	assert_string_equal(m.name, "pm1");
	assert_string_equal(m.image, "localhost/vigil-test/payload:1.0");
	memset(&m, 0, sizeof(m));
	assert_int_equal(vg_storage_parse(STORAGE, strlen(STORAGE), "bbbb", &m), -ENOENT);
	assert_int_equal(vg_storage_parse("{}", 2, ID, &m), -EPROTO);
	/* a metadata string that is not JSON: the name alone */
	assert_int_equal(storage("[{\"id\":\"x\",\"names\":[\"n\"],\"metadata\":\"{\"}]", "x", &m), 0);
	assert_string_equal(m.name, "n");
	assert_string_equal(m.image, "");
}

static void test_podlog(void **state)
{
	static const char uid[] = "4a5b6c7d-1111-2222-3333-444455556666";
	struct vg_cmeta m = { 0 };

	(void)state;
	assert_int_equal(vg_podlog_parse("shop_web-7f9c_4a5b6c7d-1111-2222-3333-444455556666", uid, &m), 0);
	assert_string_equal(m.pod_ns, "shop");
	assert_string_equal(m.pod_name, "web-7f9c");
	assert_string_equal(m.pod_uid, uid);
	memset(&m, 0, sizeof(m));
	assert_int_equal(vg_podlog_parse("shop_web_00000000-1111-2222-3333-444455556666", uid, &m), -ENOENT);
	assert_int_equal(vg_podlog_parse("shop4a5b6c7d-1111-2222-3333-444455556666", uid, &m), -ENOENT);
	assert_int_equal(vg_podlog_parse("_4a5b6c7d-1111-2222-3333-444455556666", uid, &m), -ENOENT);
	assert_int_equal(vg_podlog_parse("shop__4a5b6c7d-1111-2222-3333-444455556666", uid, &m), -ENOENT);
	assert_int_equal(vg_podlog_parse(".", uid, &m), -ENOENT);
	assert_string_equal(m.pod_name, "");
}

/* mkdir -p dirname(path) and write `text` there */
static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], cmd[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * The worker reads each runtime's state below the host root it is given:
 * a CRI container of containerd (pod from its annotations), a podman one,
 * a docker one from its state file (no socket), and a pod whose name only
 * the kubelet's log directory gives.
 */
static void test_state_files(void **state)
{
	char root[] = "/tmp/vigil-rt-XXXXXX", cmd[256];
	const char *crio_id = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
	const char *dk_id = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
	struct vg_runtime *rt;
	struct vg_cinfo k8s, pm, dk, crio;
	const struct vg_cmeta *m;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
	    "\"io.kubernetes.cri.image-name\":\"registry.local/shop/app:2.1\","
	    "\"io.kubernetes.cri.sandbox-name\":\"web-7f9c\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\"}}");
	put(root, "/var/lib/containers/storage/overlay-containers/containers.json", STORAGE);
	put(root, "/var/lib/docker/containers/d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0/config.v2.json",
	    "{\"Name\":\"/dk\",\"Config\":{\"Image\":\"alpine:3.19\",\"Labels\":{}}}");
	put(root, "/var/lib/containers/storage/overlay-containers/c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00/userdata/config.json",
	    "{\"annotations\":{\"io.kubernetes.container.name\":\"db\"}}");
	put(root, "/var/log/pods/data_db-0_4a5b6c7d-1111-2222-3333-444455556666/db/0.log", "");
	rt = vg_runtime_new("", root);
	assert_non_null(rt);
	k8s = cinfo(ID, NULL); /* a kubepods cgroupfs path names no runtime */
	snprintf(k8s.pod_uid, sizeof(k8s.pod_uid), "4a5b6c7d-0000-2222-3333-444455556666");
	pm = cinfo(ID, "podman");
	pm.full_id[0] = 'f'; /* another id, unknown everywhere */
	dk = cinfo(dk_id, "docker");
	crio = cinfo(crio_id, "cri-o");
	snprintf(crio.pod_uid, sizeof(crio.pod_uid), "4a5b6c7d-1111-2222-3333-444455556666");
	assert_null(vg_runtime_meta(rt, &k8s, 1));
	assert_null(vg_runtime_meta(rt, &pm, 2));
	assert_null(vg_runtime_meta(rt, &dk, 3));
	assert_null(vg_runtime_meta(rt, &crio, 4));
	/* the worker's four answers, within 10 s */
	for (size_t got = 0, i = 0; got < 4 && i < 10000; i++) {
		got += vg_runtime_poll(rt, 1);
		if (got < 4)
			usleep(1000);
	}
	m = vg_runtime_meta(rt, &k8s, 1);
	assert_non_null(m);
	assert_string_equal(m->name, "app");
	assert_string_equal(m->image, "registry.local/shop/app:2.1");
	assert_string_equal(m->pod_name, "web-7f9c");
	assert_string_equal(m->pod_ns, "shop");
	assert_string_equal(m->pod_uid, "4a5b6c7d-0000-2222-3333-444455556666"); /* the cgroup's */
	assert_null(vg_runtime_meta(rt, &pm, 2));				     /* not found */
	m = vg_runtime_meta(rt, &dk, 3);
	assert_non_null(m);
	assert_string_equal(m->name, "dk");
	assert_string_equal(m->image, "alpine:3.19");
	m = vg_runtime_meta(rt, &crio, 4);
	assert_non_null(m);
	assert_string_equal(m->name, "db");
	assert_string_equal(m->pod_name, "db-0"); /* from /var/log/pods */
	assert_string_equal(m->pod_ns, "data");
	vg_runtime_free(rt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_oci),
		cmocka_unit_test(test_oci_crio),
		cmocka_unit_test(test_storage),
		cmocka_unit_test(test_podlog),
		cmocka_unit_test(test_state_files),
	};

	return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
