// SPDX-License-Identifier: Apache-2.0
/* Unit tests: pipeline/containers, cgroup path -> container and pod ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pipeline/containers.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "4a5b6c7d-1111-2222-3333-444455556666"
#define UID_ "4a5b6c7d_1111_2222_3333_444455556666"

static void expect(const char *path, const char *id, const char *runtime, const char *pod)
{
	struct vg_cinfo ci;
	bool found = vg_container_parse(path, &ci);

	assert_int_equal(found, id != NULL);
	assert_int_equal(ci.container, id != NULL);
	if (id) {
		assert_string_equal(ci.id, id);
		assert_int_equal(strlen(ci.full_id), 64);
		assert_memory_equal(ci.full_id, id, 12);
	}
	if (runtime)
		assert_string_equal(ci.runtime, runtime);
	else if (id)
		assert_null(ci.runtime);
	assert_string_equal(ci.pod_uid, pod ? pod : "");
}

static void test_runtimes(void **state)
{
	(void)state;
	expect("/system.slice/docker-" HEX64 ".scope", "0123456789ab", "docker", NULL);
	expect("/docker/" HEX64, "0123456789ab", "docker", NULL);
	expect("/system.slice/cri-containerd-" HEX64 ".scope", "0123456789ab", "containerd", NULL);
	expect("/machine.slice/libpod-" HEX64 ".scope", "0123456789ab", "podman", NULL);
	expect("/system.slice/crio-" HEX64 ".scope", "0123456789ab", "cri-o", NULL);
	/* the cgroupfs managers: podman --cgroup-manager cgroupfs, cri-o */
	expect("/libpod_parent/libpod-" HEX64, "0123456789ab", "podman", NULL);
	expect("/libpod_parent/libpod-conmon-" HEX64, NULL, NULL, NULL);
	expect("/kubepods/besteffort/pod" UID "/crio-" HEX64, "0123456789ab", "cri-o", UID);
	/* `ctr run` cgroups (/<namespace>/<id>) say nothing by their name */
	expect("/default/web1", NULL, NULL, NULL);
	/* the scope of a container's monitor is not the container */
	expect("/machine.slice/libpod-conmon-" HEX64 ".scope", NULL, NULL, NULL);
	expect("/system.slice/crio-conmon-" HEX64 ".scope", NULL, NULL, NULL);
}

static void test_kubepods(void **state)
{
	(void)state;
	/* systemd driver */
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/cri-containerd-" HEX64 ".scope",
	       "0123456789ab", "containerd", UID);
	/* cgroupfs driver */
	expect("/kubepods/burstable/pod" UID "/" HEX64, "0123456789ab", NULL, UID);
	/* the pod's own cgroup: a pod, no container */
	expect("/kubepods/burstable/pod" UID, NULL, NULL, UID);
}

static void test_host(void **state)
{
	(void)state;
	expect("/", NULL, NULL, NULL);
	expect("", NULL, NULL, NULL);
	expect("/user.slice/user-1000.slice/session-3.scope", NULL, NULL, NULL);
	expect("/system.slice/docker.service", NULL, NULL, NULL);
	/* a sandbox's 64-hex cgroup is not a container (this CI's own layout) */
	expect("/process_api/" HEX64, NULL, NULL, NULL);
	/* wrong lengths and upper case are not ids */
	expect("/system.slice/docker-0123.scope", NULL, NULL, NULL);
	expect("/system.slice/docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope",
	       NULL, NULL, NULL);
	expect("/kubepods/burstable/podshort", NULL, NULL, NULL);
}

static void test_lookup_without_cgroup2(void **state)
{
	struct vg_containers *c = vg_containers_new("/nonexistent-cgroup2", NULL);
	const struct vg_cinfo *ci;

	(void)state;
	assert_non_null(c);
	ci = vg_containers_lookup(c, 12345);
	assert_non_null(ci);
	assert_false(ci->container);
	vg_containers_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_kubepods),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_lookup_without_cgroup2),
	};

	return cmocka_run_group_tests_name("containers", tests, NULL, NULL);
}
