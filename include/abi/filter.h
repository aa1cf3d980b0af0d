/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel-side filters compiled from the rules (src/rules/kfilter.c) and run
 * by bpf/lib/filter.bpf.h before a record reaches the ring buffer.
 *
 * One struct vg_filter per event id: an OR of up to VG_FCLAUSES clauses, each
 * an AND of up to VG_FATOMS atoms. An atom evaluates to true, false or
 * unknown (the value it needs is not available in the kernel for this event,
 * e.g. a relative path); a clause is dropped only when one of its atoms is
 * definitely false, so unknown always passes. The filter is a sound
 * over-approximation of the rules: it may pass events no rule matches, never
 * drop one a rule would match. Anything the compiler cannot express sets
 * `pass_all` for that event id.
 */
#ifndef VIGIL_ABI_FILTER_H
#define VIGIL_ABI_FILTER_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define VG_FCLAUSES 16
/* Enforcement keeps 8: its loop is inlined with the action at every hook,
 * and 16 there doubled the programs' load time. */
#define VG_ECLAUSES 8
#define VG_FATOMS 6
/* A clause mask with every clause of a filter (struct vg_filter, ungated) */
#define VG_FCLAUSES_ALL ((1u << VG_FCLAUSES) - 1)
/* Bytes of a path the prefix trie keys on (a power of two: the BPF side masks
 * indexes with it); a longer path is looked up by its first bytes, where
 * only prefix entries can match (rightly: the path does start with them). */
#define VG_FPATH_MAX 128
/* Path sets the kernel filter tells apart: a set's dense index (given by
 * the loader) is its bit in the path trie's, region and base-name values. */
#define VG_FPSETS 1024

enum vg_atom_kind {
	VG_A_NONE = 0,
	VG_A_COMM_IN,	  /* comm in set `set` */
	VG_A_PATH_IN,	  /* path (see `arg`) exact or below a prefix of set `set` */
	VG_A_RET,	  /* the return value compared with `val` */
	VG_A_ARG,	  /* raw argument `arg` compared with `val` (`width` 4: as s32) */
	VG_A_EUID,	  /* effective uid compared with `val` */
	VG_A_LOGINUID,	  /* loginuid compared with `val` (as s32) */
	VG_A_ACC_READ,	  /* open flags (argument `arg`, 0xff: openat2) allow reading */
	VG_A_ACC_WRITE,	  /* ... allow writing */
	VG_A_CONTAINER,	  /* pid or mount namespace differs from the host's */
	VG_A_LPORT,	  /* kernel socket's local port compared with `val` */
	VG_A_RPORT,	  /* remote port: kernel socket, else the destination address in
			   * record slot `arg` (0xff: none) */
	VG_A_SOCKFAM,	  /* the kernel socket's address family compared with `val` */
	VG_A_SPORT,	  /* a socket of no known role (dup): the server's port, the lower
			   * of the two (user space's rule), compared with `val` */
	VG_A_CPORT,	  /* ... the client's port, the other one */
	VG_A_EXE_IN,	  /* the task's executable file is one of exe set `set` (below) */
	VG_A_STR,	  /* a string (`arg`: VG_APATH_FD, VG_ASTR_COMM, else the raw path
			   * argument's register, its record slot in `width`) tested with
			   * `op` (enum vg_str_op) against needle `set` (str_needles) */
};

/* `op` of VG_A_STR */
enum vg_str_op { VG_SOP_CONTAINS, VG_SOP_STARTSWITH, VG_SOP_ENDSWITH };

/* `arg` of VG_A_STR: the task's comm (else VG_APATH_FD or a register) */
#define VG_ASTR_COMM 0xfc
/* Bytes of a needle; longer values are cut to a piece that the whole value
 * implies (contains, startswith: the first bytes; endswith: the last), and
 * only where an over-approximation is sound. */
#define VG_FNEEDLE_MAX 32
/* Bytes of a string the kernel scans (with its NUL); a longer string is
 * unknown to every VG_A_STR atom. */
#define VG_FSCAN_MAX 256

/* Needles a set holds: clauses merged to fit the table join their string
 * atoms of one kind into one set (any needle matches), as they join path
 * sets; a union beyond this drops the atom (weaker, still sound). */
#define VG_FNEEDLES 8
/* Needle sets a generation holds in the str_needles array. */
#define VG_FNSETS 512

/*
 * Value of the needle map, at the atom's slot (struct vg_atom). A contains scan
 * skips ahead as Horspool's search does, for the whole set at once: it
 * tests the needles ending at a position, then moves on by shift[] of the
 * byte there, the distance to the nearest place that byte has among the
 * last mmin bytes of any needle (all but the last of them), or mmin. No
 * needle can end in between, so the scan tests about n / mmin positions
 * instead of n (vg_needles_index() in src/rules/kfilter.c fills it).
 */
struct vg_needles {
	__u8 n;			 /* needles held */
	__u8 len[VG_FNEEDLES];	 /* bytes of each */
	__u8 mmin;		 /* bytes of the shortest */
	/* The early stage's test of fd.name, from the open file's dentries
	 * (struct vg_comps): contains, when cmask is not 0: every needle
	 * holds a whole directory name, "/A/" (its first), whose bit in the
	 * generation's vg_comps is in cmask: a file with none of them among
	 * its directories contains no needle. endswith, when `ends`: each
	 * needle's end is judged on the file's own name: the part after the
	 * needle's last '/', from tail[k], is the whole name (bit k of
	 * tailx), or a needle without '/' ends the name. */
	__u8 ends;
	__u8 tailx;
	__u32 cmask;
	__u8 tail[VG_FNEEDLES];
	/* contains: two bytes every needle holds side by side (npre 2), or
	 * one byte every needle holds (npre 1): a haystack without them holds
	 * no needle, which a scan of 8-byte words tells before the needle
	 * scan ("../" -> ".."; npre 0: no such bytes) */
	__u8 npre;
	__u8 pre[2];
	__u8 pad[5];
	char s[VG_FNEEDLES][VG_FNEEDLE_MAX];
	__u8 shift[256];
};
_Static_assert(sizeof(struct vg_needles) == 32 + VG_FNEEDLES * VG_FNEEDLE_MAX + 256, "vg_needles ABI");

/*
 * The directory names the contains needles of a generation require (value
 * of the path_comps array, keyed by generation): the early stage's climb
 * compares each directory it passes whose length is in lenmask with them,
 * and keeps the bits of those it met (vg_needles.cmask). Names are NUL
 * padded, of 1 to VG_FCOMP_MAX - 1 bytes.
 */
#define VG_FCOMPS 32
#define VG_FCOMP_MAX 16
struct vg_comps {
	__u32 lenmask; /* bit L: some name has L bytes */
	__u32 n;
	__u8 len[VG_FCOMPS];
	char name[VG_FCOMPS][VG_FCOMP_MAX];
};
_Static_assert(sizeof(struct vg_comps) == 8 + VG_FCOMPS * (1 + VG_FCOMP_MAX), "vg_comps ABI");

/* VG_AOP_IN: the number is one of set `set` (num_sets), for the numeric
 * atoms (ret, arg, euid, loginuid, ports): `fd.sport in (20 ports)` is one
 * atom and one hash lookup, not 20 clauses over the clause bound.
 * VG_AOP_ANY: the number has one of val's bits (an open's O_CREAT, a
 * mode's execute bits: evt.is_open_exec). */
enum vg_atom_op {
	VG_AOP_EQ,
	VG_AOP_NE,
	VG_AOP_LT,
	VG_AOP_LE,
	VG_AOP_GT,
	VG_AOP_GE,
	VG_AOP_IN,
	VG_AOP_ANY,
};

/* Key of num_sets: a number of a set (VG_AOP_IN). */
struct vg_num_key {
	__u32 set;
	__u32 pad;
	__s64 val;
};

/*
 * The early stage (before any path is walked) tests a VG_A_PATH_IN atom on
 * fd.name from the open file's dentries alone, by what its set's entries
 * allow (src/rules/kfilter.c sets these on the filter's atoms):
 *
 * VG_AF_BASE: the set holds only exact paths, and the last component of
 * each is in the base sets (path_bases): a file whose own name is not
 * there is not in the set.
 * VG_AF_TOP: every entry has a region key (struct vg_top_key): a file
 * below no region of the set is not in it. One below only the regions of
 * the set's exact entries is not in it either when its name is not among
 * their last components (VG_AF_EBASE: all of them are in the base sets).
 */
#define VG_AF_BASE 0x01
/* VG_A_EXE_IN in an enforcement clause: an executable not in the set is
 * "false" (the rule acts), not "unknown" (see struct vg_exeset_key). */
#define VG_AF_EXACT 0x02
#define VG_AF_TOP 0x04
#define VG_AF_EBASE 0x08
/* Bytes of a last component the base-name sets key on (longer: no early
 * decision). */
#define VG_FBASE_MAX 64
/* Bytes of a directory name a region key holds (with its NUL). */
#define VG_FTOP_MAX 32


/* `arg` of VG_A_PATH_IN: which path */
#define VG_APATH_FD 0xfe  /* the kernel-resolved path (fd.name); else an absolute path arg */
#define VG_APATH_EXE 0xfd /* exec: the resolved executable */

struct vg_atom {
	__u8 kind;  /* enum vg_atom_kind */
	__u8 op;    /* enum vg_atom_op */
	__u8 neg;   /* negate the (known) result */
	__u8 arg;   /* argument index, or VG_APATH_* */
	__u8 width; /* 4: compare as signed 32-bit, 8: 64-bit */
	__u8 flags; /* VG_AF_* */
	__u8 pad[2];
	__u32 set;
	/* VG_A_STR: the needle set's slot in str_needles, the loader's
	 * (generation g's sets at g * VG_FNSETS + their index; a set past
	 * VG_FNSETS gets none, 2 * VG_FNSETS, and its atoms are unknown) */
	__u32 slot;
	__s64 val;
};
_Static_assert(sizeof(struct vg_atom) == 24, "vg_atom ABI");

/* Does the atom name a set (whose id a reload moves to the other
 * generation, and whose entries the tables keep)? */
static inline int vg_atom_has_set(const struct vg_atom *a)
{
	return a->kind == VG_A_COMM_IN || a->kind == VG_A_PATH_IN || a->kind == VG_A_EXE_IN ||
	       a->kind == VG_A_STR || a->op == VG_AOP_IN;
}

struct vg_fclause {
	__u8 natoms;
	/* 1 + the index of the clause's gate, its first fd.name set atom
	 * (not negated), or 0: where the kernel can test that atom cheaply
	 * (the early stage's dentries, the middle stage's one trie lookup), a
	 * false gate skips the clause before its other atoms are evaluated */
	__u8 gate;
	__u8 pad[6];
	struct vg_atom atoms[VG_FATOMS];
};

struct vg_filter {
	__u8 pass_all; /* no filtering for this event id */
	__u8 nclauses; /* 0 with !pass_all: the event id is not wanted at all */
	__u8 tops;     /* some atom tests regions (VG_AF_TOP): the early stage reads them */
	__u8 no_fail;  /* every clause needs ret >= 0: no failed call can match */
	/*
	 * What the early stage decides before it reads anything but the
	 * call's arguments and the file's regions (the loader sets these, from
	 * the dense set indexes). qmask[m] has a bit for each clause an open
	 * of access mode m (O_ACCMODE of argument acc_arg) may pass, as
	 * quick_eval reads the mode; when the clauses name no mode argument
	 * (or differ), acc_arg is 0 and the four masks are the same. gmask[m]
	 * has the set of each such clause's gate that the regions answer for
	 * (VG_AF_TOP), within its first pwords words. A file whose region holds
	 * none of them may pass only those of its clauses in `ungated` (no
	 * such gate). Nor may one whose region holds only their exact
	 * entries, when its name is in none of those sets and `gebase` says
	 * every gate's set has its exact entries' names in the base-name sets
	 * (VG_AF_EBASE).
	 */
	__u8 acc_arg;
	__u8 gebase;
	/* words of a set bitmap (struct vg_path_val) the generation's sets
	 * fill: the early stage copies no more of a value */
	__u8 pwords;
	__u8 pad;
	__u16 ungated;
	__u16 qmask[4];
	__u8 pad2[6];
	__u64 gmask[4][VG_FPSETS / 64];
	struct vg_fclause clauses[VG_FCLAUSES];
};
_Static_assert(sizeof(struct vg_filter) == 24 + VG_FPSETS / 2 + VG_FCLAUSES * (8 + VG_FATOMS * 24),
	       "vg_filter ABI");

/* Key of the comm sets hash map. */
struct vg_comm_key {
	__u32 set;
	char comm[16];
};

/* Key of the base-name map: a NUL-padded last path component, in the
 * generation whose set base is `gen`. Its value (struct vg_path_val) has
 * the bit of each path set (dense index) with an exact entry of that
 * name. */
struct vg_base_key {
	__u32 gen;
	char name[VG_FBASE_MAX];
};

/*
 * Key of the region map: the first two directories of a path (d2 empty
 * when there is one; both empty for a file of the root directory), NUL
 * padded. A set entry's region is the directories every path it holds
 * starts with, at most two:
 *   exact /a/b/c/f -> (a, b)   exact /a/f -> (a, "")   exact /f -> ("", "")
 *   prefix /a/b/... -> (a, b)  prefix /a/x -> (a, "")  prefix /x: none
 * The early stage looks a file up by its own directories: in the root
 * ("", ""); one deep (a, ""); deeper (a, "") and (a, b). It finds them by
 * climbing the dentries as the path walk would, reading no name but the
 * top two.
 */
struct vg_top_key {
	__u32 gen;
	char d1[VG_FTOP_MAX];
	char d2[VG_FTOP_MAX];
};

/* Value of the region map: the path sets (dense index) with a prefix
 * entry, and those with an exact entry, of that region. `deeper`, on a
 * one-directory key (a, ""): some key (a, b) exists. The loader gives
 * every such a a key (a, "") (with no bits when no set names the region
 * itself), so that a file below a with no (a, "") key, or one without
 * `deeper`, needs no second lookup. */
struct vg_top_val {
	__u64 prefix[VG_FPSETS / 64];
	__u64 exact[VG_FPSETS / 64];
	__u64 deeper;
};

/* Key of the path sets LPM trie: prefix length in bits over (set, path). */
struct vg_path_key {
	__u32 prefixlen;
	__u32 set; /* big-endian in the key bytes, so that it is matched first */
	__u8 path[VG_FPATH_MAX];
};

/* Set ids of the second generation of the double-buffered tables carry
 * this bit (src/loader/loader.c). */
#define VG_SET_GEN_BIT 0x40000000u

/*
 * Value of a path trie entry: which path sets hold the path (an exact
 * entry) or a prefix of it, by dense path-set index (a PATH_IN atom's
 * `val`, given by the loader). One trie per generation (`set` of the key
 * is the generation's set base) holds the entries of every path set: an
 * entry's bits are its own sets' and those of every shorter prefix entry
 * of it, so that the longest match answers for all sets at once and a
 * path is looked up once per event, not once per atom.
 */
struct vg_path_val {
	__u64 bits[VG_FPSETS / 64];
};
_Static_assert(sizeof(struct vg_top_val) == 2 * sizeof(struct vg_path_val) + 8, "vg_top_val ABI");

/*
 * Enforcement tables (bpf/lib/enforce.bpf.h): per event id, the clauses of
 * the rules in enforce mode, each compiled exactly (never widened: `vigil
 * check` rejects a rule the kernel cannot decide) and tagged with its rule.
 * A clause acts only when every atom is known true; unknown never acts.
 */
/* enf_rule of a record vigil's self-protection acted on (no rule). */
#define VG_ENF_SELF 0x7fff

enum vg_enf_action {
	VG_ENF_KILL = 1,   /* SIGKILL the process from the probe */
	VG_ENF_REPORT = 2, /* deny where no LSM hook can: report would-deny only */
	VG_ENF_DENY = 3,   /* refused in an LSM hook; sys_exit only reports it */
};

struct vg_eclause {
	__u8 natoms;
	__u8 action; /* enum vg_enf_action */
	__u16 rule;  /* index of the rule in the loaded ruleset */
	__u8 pad[4];
	struct vg_atom atoms[VG_FATOMS];
};

struct vg_enforce {
	__u8 nclauses;
	__u8 nentry; /* clauses the sys_enter stage can decide (kill, report) */
	__u8 ndeny;  /* clauses an LSM hook decides */
	__u8 pad[5];
	struct vg_eclause clauses[VG_ECLAUSES];
};
_Static_assert(sizeof(struct vg_enforce) == 8 + VG_ECLAUSES * (8 + VG_FATOMS * 24), "vg_enforce ABI");

/* What user space sets at start and changes at run time (one entry). */
struct vg_enf_conf {
	__u32 cap;	   /* the global mode (0 observe, 1 alert, 2 enforce): below 2, report only */
	__u32 max_per_sec; /* kills per second before the rest are only reported; 0: no limit */
};

/* Key of the never-kill set: an executable by inode and kernel device number. */
struct vg_exe_key {
	__u64 ino;
	__u32 dev; /* the kernel's encoding: major << 20 | minor */
	__u32 pad;
};

/*
 * proc.exepath in the kernel (bpf/lib/exe.bpf.h): the file the task runs,
 * by inode and device (task->mm->exe_file), which no rename of the task
 * (prctl PR_SET_NAME, a copy of a binary under another name or in a
 * container's own /usr) can claim. User space keys each listed path by the
 * file it names on the host at load time, and adds the new file of a path
 * replaced later (src/loader/loader.c, vg_loader_exesets_refresh).
 *
 * A task whose file is in the set is "true". One whose file is not is
 * "unknown" to the filter (user space may still see a listed path: a file
 * replaced since, a container's own copy at that path), "false" to an
 * enforcement clause (VG_AF_EXACT): only the host's file is trusted there.
 */
struct vg_exeset_key {
	__u32 set;
	__u32 dev; /* the kernel's encoding: major << 20 | minor */
	__u64 ino;
};
_Static_assert(sizeof(struct vg_exeset_key) == 16, "vg_exeset_key ABI");

#endif /* VIGIL_ABI_FILTER_H */
