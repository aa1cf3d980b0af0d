// SPDX-License-Identifier: Apache-2.0
/*
 * ia32-open FILE: open FILE read-only through int 0x80 (the i386 ABI from a
 * 64-bit process, i386's open is 5) and close it, the way an attacker
 * slips past a tracer that knows only the 64-bit table. Exit 0 when the
 * open succeeded, 1 when it failed (its error on stderr). The host suite
 * skips its ia32 cases where int 0x80 faults (tests/ia32.h); this guest,
 * Debian's kernel under QEMU, runs them. Built static by scripts/vmtest.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "../../ia32.h"

int main(int argc, char **argv)
{
	char *low;
	long fd;

	if (argc < 2 || strlen(argv[1]) >= 4096)
		return 1;
	/* int 0x80 takes 32-bit pointers: the name below 4 GiB */
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		return 1;
	strcpy(low, argv[1]);
	fd = ia32_call(5, (long)(unsigned long)low, 0 /* O_RDONLY */, 0, 0, 0);
	if (fd < 0) {
		fprintf(stderr, "ia32-open: %s: %s\n", argv[1], strerror((int)-fd));
		return 1;
	}
	ia32_call(6, fd, 0, 0, 0, 0); /* close */
	return 0;
}
