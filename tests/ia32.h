/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether this machine runs ia32 system calls (int 0x80) from a 64-bit
 * process. Kernels built without IA32_EMULATION, booted with
 * ia32_emulation=0, and some hypervisors (a PVM guest here) answer int
 * 0x80 with SIGSEGV: there the ia32 door is shut for attackers too, and
 * the tests and benches that open it skip, saying so. The VM suite
 * (tests/vm) runs an ia32 open under Debian's kernel in QEMU either way.
 */
#ifndef VIGIL_TESTS_IA32_H
#define VIGIL_TESTS_IA32_H

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

/* An ia32 system call through int 0x80 from 64-bit code: i386's number
 * and up to five arguments in its registers (ebx, ecx, edx, esi, edi;
 * pointers must lie below 4 GiB). r8-r11 are not preserved there. */
static inline long ia32_call(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return ret;
}

/* i386's getpid through int 0x80, in a child: true when it answers with
 * the child's pid. Asked once a process. */
static inline bool ia32_syscalls_work(void)
{
	static int known = -1;
	pid_t pid;
	int st;

	if (known >= 0)
		return known;
	pid = fork();
	if (pid == 0) {
		/* a fault kills the child, whatever handler the parent has
		 * (cmocka's would carry on running tests in the child) */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		_exit(ia32_call(20 /* i386 getpid */, 0, 0, 0, 0, 0) == (long)getpid() ? 0 : 1);
	}
	known = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return known;
}

#endif /* VIGIL_TESTS_IA32_H */
