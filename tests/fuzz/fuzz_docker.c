// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the input is what a docker API socket answered to
 * GET /containers/<id>/json (status line, headers, maybe chunked body,
 * JSON). vg_docker_parse must never read outside it, and what it returns
 * must be NUL-terminated within its bounds. The same bytes go to the
 * runtimes' state file parsers (OCI config.json, containers.json, a
 * /var/log/pods name), held to the same.
 *
 *   make fuzz && mkdir -p build/fuzz/corpus-docker
 *   build/fuzz/fuzz_docker -max_total_time=180 build/fuzz/corpus-docker tests/fuzz/corpus/docker
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that ASan sees any read past the answer */
	char *buf = malloc(size ? size : 1);
	struct vg_cmeta m;
	int err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err = vg_docker_parse(buf, size, &m);
	if (err != 0 && err != -ENOENT && err != -EPROTO)
		abort();
	if (!err && (!memchr(m.name, 0, sizeof(m.name)) || !memchr(m.image, 0, sizeof(m.image))))
		abort();
	memset(&m, 0, sizeof(m));
	vg_oci_parse(buf, size, &m);
	vg_storage_parse(buf, size, "0123456789ab", &m);
	if (size && !memchr(buf, 0, size)) {
		char *name = strndup(buf, size);

		if (name)
			vg_podlog_parse(name, "4a5b6c7d-1111-2222-3333-444455556666", &m);
		free(name);
	}
	if (!memchr(m.name, 0, sizeof(m.name)) || !memchr(m.image, 0, sizeof(m.image)) ||
	    !memchr(m.pod_name, 0, sizeof(m.pod_name)) || !memchr(m.pod_ns, 0, sizeof(m.pod_ns)) ||
	    !memchr(m.pod_uid, 0, sizeof(m.pod_uid)))
		abort();
	free(buf);
	return 0;
}
