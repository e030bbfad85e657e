// The ELF core parser on synthetic cores: what a well-formed core yields,
// and a clean FORMAT or CORRUPT error, never a crash, for every way a
// header or note can lie.
#include <elf.h>
#include <string.h>

#include "core/elf_core.h"
#include "elfgen.h"
#include "test_util.h"

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif

// Not <signal.h>: it defines si_addr as a macro, which would rewrite
// core->siginfo_addr.  Linux x86-64 signal numbers.
enum { SIGABRT = 6, SIGSEGV = 11 };

TestSuite(core, .fini = cnr_test_tmpdir_cleanup, .timeout = 60);

enum {
	TEXT = 0x400000,
	HEAP = 0xc000000000,
	STACK = 0x7ffffffde000,
	FS_BASE = 0x7f0000001000,
	CORE_SEED = 0xc0de,
};

// A core as the kernel would write it for a three-thread process: notes
// first, then segments (added out of address order on purpose).
static void typical_core(struct elfgen *g)
{
	elfgen_init(g, ET_CORE);
	size_t n = elfgen_add_note_segment(g);
	elfgen_prstatus(g, n, 4242, SIGSEGV, TEXT + 0x123, STACK + 0x800, FS_BASE);
	elfgen_prpsinfo(g, n, 4242, "server", "./server -port 8080");
	elfgen_siginfo(g, n, SIGSEGV, 1 /* SEGV_MAPERR */, 0xdeadbeef);
	const uint64_t auxv[] = {
		AT_PHDR, TEXT + 64, AT_PAGESZ, 4096, AT_ENTRY, TEXT + 0x1000, AT_NULL, 0,
		AT_UID, 1000, // after AT_NULL: must not be found
	};
	elfgen_auxv(g, n, auxv, CNR_ARRAY_SIZE(auxv));
	const struct elfgen_file files[] = {
		{ TEXT, TEXT + 0x3000, 0, "/usr/bin/server" },
		{ TEXT + 0x3000, TEXT + 0x5000, 0x3000, "/usr/bin/server" },
		{ 0x7f0000200000, 0x7f0000210000, 0x10000, "/lib/x86_64-linux-gnu/libc.so.6" },
	};
	elfgen_nt_file(g, n, 4096, files, CNR_ARRAY_SIZE(files));
	elfgen_prstatus(g, n, 4243, 0, TEXT + 0x456, STACK - 0x10000, FS_BASE + 0x1000);
	elfgen_prstatus(g, n, 4244, 0, TEXT + 0x789, STACK - 0x20000, FS_BASE + 0x2000);

	elfgen_add_load_pattern(g, STACK, 0x2000, PF_R | PF_W, 0x2000, CORE_SEED);
	elfgen_add_load_pattern(g, TEXT, 0x3000, PF_R | PF_X, 0x1000, CORE_SEED);
	elfgen_add_load_pattern(g, HEAP, 0x4000, PF_R | PF_W, 0x4000, CORE_SEED);
}

static struct cnr_error *open_core(struct elfgen *g, const char *name, struct cnr_core **ret)
{
	const char *path = cnr_test_path(name);
	cr_assert(elfgen_write(g, path), "cannot write '%s'", path);
	return cnr_core_open(path, ret);
}

// Write g, open it, and expect an error of kind code mentioning substr.
static void expect_open_error(struct elfgen *g, enum cnr_error_code code, const char *substr)
{
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(open_core(g, "bad.core", &core), code, substr);
	cr_assert_null(core);
	elfgen_deinit(g);
}

Test(core, well_formed_core_parses)
{
	struct elfgen g;
	typical_core(&g);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "good.core", &core));

	cr_assert_eq(core->nthreads, 3);
	const int tids[] = { 4242, 4243, 4244 };
	const uint64_t rips[] = { TEXT + 0x123, TEXT + 0x456, TEXT + 0x789 };
	for (size_t i = 0; i < 3; i++) {
		const struct cnr_core_thread *t = &core->threads[i];
		cr_assert_eq(t->tid, tids[i], "thread %zu: tid %d", i, t->tid);
		cr_assert_eq(t->regs[CNR_REG_RIP], rips[i]);
		cr_assert_eq(t->regs[CNR_REG_FS_BASE], FS_BASE + 0x1000 * i);
		// Every other register lands in its user_regs_struct slot.
		for (int r = 0; r < CNR_NUM_REGS; r++) {
			if (r == CNR_REG_RIP || r == CNR_REG_RSP || r == CNR_REG_FS_BASE)
				continue;
			cr_assert_eq(t->regs[r], elfgen_thread_reg(tids[i], r), "thread %zu reg %d", i, r);
		}
	}
	cr_assert_eq(core->threads[0].cursig, SIGSEGV);
	cr_assert_eq(core->threads[1].cursig, 0);
	cr_assert_eq(core->threads[0].regs[CNR_REG_RSP], STACK + 0x800);
	cr_assert_eq(core->threads[2].regs[CNR_REG_RSP], STACK - 0x20000);

	// Segments come back sorted by address, whatever the header order.
	cr_assert_eq(core->nsegments, 3);
	cr_assert_eq(core->segments[0].vaddr, TEXT);
	cr_assert_eq(core->segments[0].filesz, 0x1000);
	cr_assert_eq(core->segments[0].memsz, 0x3000);
	cr_assert_eq(core->segments[0].flags, PF_R | PF_X);
	cr_assert_eq(core->segments[1].vaddr, HEAP);
	cr_assert_eq(core->segments[2].vaddr, STACK);
	cr_assert_not(core->truncated);
	cr_assert_eq(core->missing_file_bytes, 0);

	// NT_FILE offsets are in pages in the kernel's form: converted to bytes.
	cr_assert_eq(core->nfiles, 3);
	cr_assert_eq(core->files[0].start, TEXT);
	cr_assert_eq(core->files[0].end, TEXT + 0x3000);
	cr_assert_eq(core->files[0].file_offset, 0);
	cr_assert_eq(core->files[1].file_offset, 0x3000);
	cr_assert_eq(core->files[2].file_offset, 0x10000);
	cr_assert_str_eq(core->files[0].path, "/usr/bin/server");
	cr_assert_str_eq(core->files[1].path, "/usr/bin/server");
	cr_assert_str_eq(core->files[2].path, "/lib/x86_64-linux-gnu/libc.so.6");

	uint64_t v = 0;
	cr_assert(cnr_core_auxv(core, AT_PAGESZ, &v));
	cr_assert_eq(v, 4096);
	cr_assert(cnr_core_auxv(core, AT_ENTRY, &v));
	cr_assert_eq(v, TEXT + 0x1000);
	cr_assert_not(cnr_core_auxv(core, AT_UID, &v), "an entry after AT_NULL was found");
	cr_assert_not(cnr_core_auxv(core, AT_RANDOM, &v));

	cr_assert(core->has_siginfo);
	cr_assert_eq(core->siginfo_signo, SIGSEGV);
	cr_assert_eq(core->siginfo_code, 1);
	cr_assert_eq(core->siginfo_addr, 0xdeadbeef);

	cr_assert(core->has_prpsinfo);
	cr_assert_eq(core->pid, 4242);
	cr_assert_str_eq(core->fname, "server");
	cr_assert_str_eq(core->psargs, "./server -port 8080");
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, nt_file_gcore_form_has_byte_offsets)
{
	// gdb's gcore writes page_size 1: the offsets are already bytes, and
	// need not be page multiples.
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 7, 0, 0, 0, 0);
	const struct elfgen_file files[] = {
		{ 0x10000, 0x11000, 0x1234, "/a" },
		{ 0x20000, 0x24000, 0xfffff000, "/opt/prog with spaces" },
		{ 0x30000, 0x31000, 0, "" }, // an empty name is still a name
	};
	elfgen_nt_file(&g, n, 1, files, CNR_ARRAY_SIZE(files));
	elfgen_add_load(&g, 0x10000, 0x1000, PF_R, 0, NULL);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "gcore.core", &core));
	cr_assert_eq(core->nfiles, 3);
	cr_assert_eq(core->files[0].file_offset, 0x1234);
	cr_assert_eq(core->files[1].file_offset, 0xfffff000);
	cr_assert_eq(core->files[1].start, 0x20000);
	cr_assert_eq(core->files[1].end, 0x24000);
	cr_assert_str_eq(core->files[0].path, "/a");
	cr_assert_str_eq(core->files[1].path, "/opt/prog with spaces");
	cr_assert_str_eq(core->files[2].path, "");
	// Without NT_PRPSINFO, NT_SIGINFO or NT_AUXV the core still opens.
	cr_assert_not(core->has_prpsinfo);
	cr_assert_not(core->has_siginfo);
	uint64_t v;
	cr_assert_not(cnr_core_auxv(core, AT_PAGESZ, &v));
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, prpsinfo_fields_filled_to_the_brim)
{
	// The kernel copies fname and psargs with strncpy semantics: a full
	// field has no NUL, and must not run into the next one.
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	char args[100];
	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = '\0';
	elfgen_prpsinfo(&g, n, 99, "0123456789abcdefXYZ", args);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "full.core", &core));
	cr_assert_str_eq(core->fname, "0123456789abcdef");
	cr_assert_eq(strlen(core->psargs), 80);
	cr_assert_eq(core->pid, 99);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, first_of_repeated_notes_wins)
{
	// gcore writes NT_SIGINFO per thread; the process's is the first.
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, SIGABRT, 0, 0, 0);
	elfgen_siginfo(&g, n, SIGABRT, -6, 0);
	elfgen_siginfo(&g, n, SIGSEGV, 1, 0x1234);
	elfgen_prpsinfo(&g, n, 1, "first", "first");
	elfgen_prpsinfo(&g, n, 2, "second", "second");
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "repeat.core", &core));
	cr_assert_eq(core->siginfo_signo, SIGABRT);
	cr_assert_eq(core->siginfo_code, -6);
	cr_assert_str_eq(core->fname, "first");
	cr_assert_eq(core->pid, 1);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, notes_of_other_owners_are_ignored)
{
	// "LINUX" notes carry extra register sets with type numbers that
	// collide with NT_PRSTATUS (NT_PRXFPREG etc.); they are not threads.
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	uint8_t small[40] = { 0 };
	elfgen_note(&g, n, "LINUX", NT_PRSTATUS, small, sizeof(small));
	elfgen_note(&g, n, "GNU", NT_FILE, small, 3);
	size_t n2 = elfgen_add_note_segment(&g); // a second PT_NOTE segment
	elfgen_prstatus(&g, n2, 2, 0, 0, 0, 0);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "linux-notes.core", &core));
	cr_assert_eq(core->nthreads, 2);
	cr_assert_eq(core->threads[1].tid, 2);
	cr_assert_eq(core->nfiles, 0);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, last_note_may_omit_descriptor_padding)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	// A 5-byte descriptor, last in the segment, without its 3 padding bytes.
	elfgen_note_header(&g, n, 5, 5, 0x1234);
	elfgen_note_raw(&g, n, "CORE\0\0\0\0abcde", 13);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "nopad.core", &core));
	cr_assert_eq(core->nthreads, 1);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

// --- not a core we support: FORMAT, naming the file ----------------------

static void expect_format_error_for_bytes(const char *name, const void *data, size_t n)
{
	const char *path = cnr_test_path(name);
	cr_assert(elfgen_write_bytes(path, data, n));
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(path, &core), CNR_ERROR_FORMAT, path);
	cr_assert_null(core);
}

Test(core, random_bytes_are_not_elf)
{
	uint8_t junk[4096];
	uint64_t s = 0x1234567;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)cnr_test_rand(&s);
	junk[0] = 0x42; // not the gzip magic either
	expect_format_error_for_bytes("junk", junk, sizeof(junk));
}

Test(core, empty_file_is_not_elf)
{
	expect_format_error_for_bytes("empty", "", 0);
}

Test(core, text_file_is_not_elf)
{
	const char text[] = "#!/bin/sh\necho this is not a core dump\n";
	expect_format_error_for_bytes("script.sh", text, sizeof(text) - 1);
}

Test(core, elf_magic_alone_is_rejected)
{
	expect_format_error_for_bytes("magic", ELFMAG, SELFMAG);
}

static void expect_format_error(struct elfgen *g, const char *hint)
{
	const char *path = cnr_test_path("other.elf");
	cr_assert(elfgen_write(g, path));
	struct cnr_core *core = NULL;
	struct cnr_error *err = cnr_core_open(path, &core);
	cr_assert_not_null(err, "opened a core that is not linux/amd64");
	cr_assert(strstr(cnr_error_message(err), path), "message \"%s\" does not name the file",
		  cnr_error_message(err));
	cnr_cr_assert_err_msg(err, CNR_ERROR_FORMAT, hint);
	cr_assert_null(core);
	elfgen_deinit(g);
}

Test(core, elf32_is_format_error)
{
	struct elfgen g;
	typical_core(&g);
	g.ei_class = ELFCLASS32;
	expect_format_error(&g, "64-bit");
}

Test(core, big_endian_is_format_error)
{
	struct elfgen g;
	typical_core(&g);
	g.ei_data = ELFDATA2MSB;
	expect_format_error(&g, "little-endian");
}

Test(core, executable_is_not_a_core)
{
	struct elfgen g;
	typical_core(&g);
	g.e_type = ET_EXEC;
	expect_format_error(&g, "not a core dump");
}

Test(core, riscv_core_is_format_error)
{
	struct elfgen g;
	typical_core(&g);
	g.e_machine = EM_RISCV;
	expect_format_error(&g, "riscv64");
}

// An arm64 core as the kernel (and qemu-user) writes it: NT_PRSTATUS of
// 392 bytes, user_pt_regs x0-x30, sp, pc, pstate at offset 112.
static void arm64_core(struct elfgen *g, size_t prstatus_size)
{
	elfgen_init(g, ET_CORE);
	g->e_machine = EM_AARCH64;
	size_t n = elfgen_add_note_segment(g);
	for (int t = 0; t < 2; t++) {
		uint8_t d[400] = { 0 };
		uint16_t sig = t == 0 ? SIGABRT : 0;
		uint32_t tid = 777 + (uint32_t)t;
		memcpy(d + 12, &sig, 2);
		memcpy(d + 32, &tid, 4);
		for (int r = 0; r < 34; r++) {
			uint64_t v = elfgen_thread_reg((int)tid, r);
			memcpy(d + 112 + 8 * r, &v, 8);
		}
		elfgen_note(g, n, "CORE", NT_PRSTATUS, d, prstatus_size);
	}
	elfgen_add_load_pattern(g, HEAP, 0x4000, PF_R | PF_W, 0x4000, CORE_SEED);
}

Test(core, arm64_core_parses_through_the_arch_table)
{
	struct elfgen g;
	arm64_core(&g, 392);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "arm64.core", &core));
	const struct cnr_arch *a = core->arch;
	cr_assert_str_eq(a->goarch, "arm64");
	cr_assert_eq(a->nregs, 34);
	cr_assert_str_eq(a->reg_names[a->reg_pc], "pc");
	cr_assert_str_eq(a->reg_names[a->reg_sp], "sp");
	cr_assert_str_eq(a->reg_names[a->reg_lr], "x30");
	cr_assert_str_eq(a->reg_names[a->reg_g], "x28");
	cr_assert_eq(core->nthreads, 2);
	for (size_t t = 0; t < 2; t++) {
		const struct cnr_core_thread *th = &core->threads[t];
		cr_assert_eq(th->tid, 777 + (int)t);
		for (int r = 0; r < 34; r++)
			cr_assert_eq(th->regs[r], elfgen_thread_reg(th->tid, r), "thread %zu reg %s", t,
				     a->reg_names[r]);
	}
	cr_assert_eq(core->threads[0].cursig, SIGABRT);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, arm64_core_with_an_amd64_sized_prstatus_is_corrupt)
{
	struct elfgen g;
	arm64_core(&g, 336);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "expected 392");
}

Test(core, amd64_table_matches_user_regs_struct)
{
	const struct cnr_arch *a = cnr_arch_for_machine(EM_X86_64);
	cr_assert_not_null(a);
	cr_assert_str_eq(a->goarch, "amd64");
	cr_assert_eq(a->prstatus_size, ELFGEN_PRSTATUS_SIZE);
	cr_assert_eq(a->nregs, ELFGEN_NUM_REGS);
	cr_assert_eq(a->reg_pc, ELFGEN_REG_RIP);
	cr_assert_eq(a->reg_sp, ELFGEN_REG_RSP);
	cr_assert_eq(a->reg_tls, ELFGEN_REG_FS_BASE);
	cr_assert_str_eq(a->reg_names[a->reg_pc], "rip");
	cr_assert_eq(a->reg_lr, -1);
	cr_assert_null(cnr_arch_for_machine(EM_RISCV));
}

// The return address: amd64 at fp-8 always; arm64 in LR for a frame not
// set up yet, else saved at sp (runtime/traceback.go).
Test(core, return_address_slots)
{
	const struct cnr_arch *x = cnr_arch_for_machine(EM_X86_64), *a = cnr_arch_for_machine(EM_AARCH64);
	uint64_t slot = 0;
	cr_assert_eq(cnr_arch_frame_top(x, 0x1000, 0x20), 0x1028);
	cr_assert(cnr_arch_return_slot(x, 0x1000, 0x1028, 0, &slot));
	cr_assert_eq(slot, 0x1020);
	cr_assert_eq(cnr_arch_frame_varp(x, 0x1000, 0x1028), 0x1018);
	cr_assert_eq(cnr_arch_frame_top(a, 0x1000, 0x20), 0x1020);
	cr_assert_not(cnr_arch_return_slot(a, 0x1000, 0x1000, 0x4242, &slot)); // not set up: in LR
	cr_assert(cnr_arch_return_slot(a, 0x1000, 0x1000, 0, &slot));          // no LR known: the stack
	cr_assert_eq(slot, 0x1000);
	cr_assert(cnr_arch_return_slot(a, 0x1000, 0x1020, 0x4242, &slot));     // set up: saved at sp
	cr_assert_eq(slot, 0x1000);
	cr_assert_eq(cnr_arch_frame_varp(a, 0x1000, 0x1020), 0x1018);
	cr_assert_eq(cnr_arch_frame_varp(a, 0x1000, 0x1000), 0x1000);
}

Test(core, missing_file_is_os_error)
{
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(cnr_test_path("no-such.core"), &core), CNR_ERROR_OS,
			      "no-such.core");
	cr_assert_null(core);
}

Test(core, directory_is_format_error)
{
	struct cnr_core *core = NULL;
	cnr_cr_assert_err(cnr_core_open(cnr_test_tmpdir(), &core), CNR_ERROR_FORMAT);
}

// --- headers that lie: CORRUPT -------------------------------------------

Test(core, overlapping_loads_are_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	elfgen_add_load(&g, HEAP + 0x3000, 0x2000, PF_R, 0, NULL); // overlaps the heap's last page
	expect_open_error(&g, CNR_ERROR_CORRUPT, "overlap");
}

Test(core, duplicate_loads_are_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	elfgen_add_load(&g, TEXT, 0x1000, PF_R, 0, NULL);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "overlap");
}

Test(core, adjacent_loads_are_fine)
{
	struct elfgen g;
	typical_core(&g);
	elfgen_add_load(&g, HEAP + 0x4000, 0x1000, PF_R, 0, NULL);
	elfgen_add_load(&g, HEAP - 0x1000, 0x1000, PF_R, 0, NULL);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "adjacent.core", &core));
	cr_assert_eq(core->nsegments, 5);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, filesz_above_memsz_is_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	size_t i = elfgen_add_load(&g, 0x600000, 0x1000, PF_R, 0x1000, NULL);
	elfgen_fake_filesz(&g, i, 0x1001);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "p_filesz");
}

Test(core, segment_wrapping_address_space_is_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	elfgen_add_load(&g, 0xfffffffffffff000, 0x2000, PF_R, 0, NULL);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "wraps");
}

Test(core, phdrs_past_eof_are_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	const char *path = cnr_test_path("short.core");
	cr_assert(elfgen_write(&g, path));
	// Keep the ELF header and one and a half program headers of four.
	cr_assert(elfgen_truncate(path, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) * 3 / 2));
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(path, &core), CNR_ERROR_CORRUPT, "past the end of the file");
	cr_assert_null(core);
	elfgen_deinit(&g);
}

Test(core, elf_header_cut_short_is_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	const char *path = cnr_test_path("tiny.core");
	cr_assert(elfgen_write(&g, path));
	cr_assert(elfgen_truncate(path, 40));
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(path, &core), CNR_ERROR_CORRUPT, "ELF header");
	elfgen_deinit(&g);
}

Test(core, wrong_phentsize_is_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	g.e_phentsize = 32;
	expect_open_error(&g, CNR_ERROR_CORRUPT, "e_phentsize");
}

Test(core, no_program_headers_is_corrupt)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "no program headers");
}

// gdb's gcore writes the PT_NOTE segment last: any cut of such a core
// loses its notes, and the core is still read, without threads.
Test(core, note_segment_past_eof_opens_without_threads)
{
	struct elfgen g;
	typical_core(&g);
	elfgen_fake_offset(&g, 0, 1ULL << 40);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "notes-past-eof.core", &core));
	cr_assert(core->notes_truncated);
	cr_assert(core->truncated);
	cr_assert_eq(core->nthreads, 0);
	cr_assert_eq(core->nfiles, 0);
	cr_assert_eq(core->nsegments, 3);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

// A cut inside the notes keeps every note that ends before it.
Test(core, cut_inside_the_notes_keeps_the_whole_ones)
{
	struct elfgen g;
	typical_core(&g);
	const char *path = cnr_test_path("notes-cut.core");
	cr_assert(elfgen_write(&g, path));
	// The first note is NT_PRSTATUS: a 12-byte header, "CORE\0" padded to
	// 8, a 336-byte descriptor; cut 4 bytes into the next one.
	cr_assert(elfgen_truncate(path, g.segs[0].file_offset + 12 + 8 + 336 + 4));
	struct cnr_core *core;
	cnr_cr_assert_ok(cnr_core_open(path, &core));
	cr_assert(core->notes_truncated);
	cr_assert_eq(core->nthreads, 1);
	cr_assert_eq(core->threads[0].tid, 4242);
	cr_assert_not(core->has_prpsinfo);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

// --- truncated files: open, and say what is missing ----------------------

Test(core, truncated_file_opens_and_counts_missing_bytes)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	elfgen_add_load_pattern(&g, 0x10000, 0x1000, PF_R, 0x1000, 1);
	elfgen_add_load_pattern(&g, 0x20000, 0x3000, PF_R | PF_W, 0x2000, 1); // 0x1000 not saved
	elfgen_add_load_pattern(&g, 0x30000, 0x1000, PF_R | PF_W, 0x1000, 1);
	const char *path = cnr_test_path("truncated.core");
	cr_assert(elfgen_write(&g, path));
	// Cut 0x800 bytes into the second segment: 0x1800 of it and all of the
	// third are gone.
	uint64_t cut = g.segs[2].file_offset + 0x800;
	cr_assert(elfgen_truncate(path, cut));
	struct cnr_core *core;
	cnr_cr_assert_ok(cnr_core_open(path, &core));
	cr_assert(core->truncated);
	cr_assert_eq(core->missing_file_bytes, 0x1800 + 0x1000);
	cr_assert_eq(core->nsegments, 3);
	cr_assert_eq(core->segments[0].filesz, 0x1000);
	cr_assert_eq(core->segments[1].filesz, 0x800);
	cr_assert_eq(core->segments[1].filesz_header, 0x2000);
	cr_assert_eq(core->segments[2].filesz, 0);
	cr_assert_eq(core->segments[2].filesz_header, 0x1000);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, segment_offset_past_eof_is_missing_not_fatal)
{
	// One lying p_offset: that segment has nothing, the rest is usable.
	struct elfgen g;
	typical_core(&g);
	size_t i = elfgen_add_load(&g, 0x900000, 0x2000, PF_R, 0x2000, NULL);
	elfgen_fake_offset(&g, i, UINT64_MAX - 0x10); // offset + filesz wraps
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "far.core", &core));
	cr_assert(core->truncated);
	cr_assert_eq(core->missing_file_bytes, 0x2000);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, filesz_lie_is_clamped_to_file)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	size_t i = elfgen_add_load(&g, 0x10000, 0x100000, PF_R, 0x1000, NULL);
	elfgen_fake_filesz(&g, i, 0x100000); // claims far more than the file holds
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "clamp.core", &core));
	cr_assert(core->truncated);
	cr_assert_eq(core->segments[0].filesz, 0x1000);
	cr_assert_eq(core->missing_file_bytes, 0x100000 - 0x1000);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

// --- absurd notes: CORRUPT -----------------------------------------------

// A core with one good thread, then whatever add() puts in the notes.
static void core_with_bad_note(struct elfgen *g, size_t *n)
{
	elfgen_init(g, ET_CORE);
	*n = elfgen_add_note_segment(g);
	elfgen_prstatus(g, *n, 1, 0, 0, 0, 0);
	elfgen_add_load(g, 0x10000, 0x1000, PF_R, 0x1000, NULL);
}

Test(core, note_namesz_huge_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	elfgen_note_header(&g, n, 0xffffffff, 4, NT_PRSTATUS);
	elfgen_note_raw(&g, n, "CORE\0\0\0\0abcd", 12);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "namesz 4294967295");
}

Test(core, note_descsz_huge_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	elfgen_note_header(&g, n, 5, 0xffffffff, NT_PRSTATUS);
	elfgen_note_raw(&g, n, "CORE\0\0\0\0abcd", 12);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "descsz 4294967295");
}

Test(core, note_descsz_just_past_segment_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	elfgen_note_header(&g, n, 5, 9, NT_AUXV);
	elfgen_note_raw(&g, n, "CORE\0\0\0\0abcdefgh", 16); // 8 of the 9 bytes
	expect_open_error(&g, CNR_ERROR_CORRUPT, "extends past");
}

Test(core, note_header_cut_short_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	elfgen_note_raw(&g, n, "\x05\0\0\0\x10\0\0\0", 8); // 8 of the 12 header bytes
	expect_open_error(&g, CNR_ERROR_CORRUPT, "cut short");
}

Test(core, prstatus_too_small_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	uint8_t d[ELFGEN_PRSTATUS_SIZE - 8] = { 0 };
	elfgen_note(&g, n, "CORE", NT_PRSTATUS, d, sizeof(d));
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_PRSTATUS");
}

Test(core, prpsinfo_too_small_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	uint8_t d[ELFGEN_PRPSINFO_SIZE - 1] = { 0 };
	elfgen_note(&g, n, "CORE", NT_PRPSINFO, d, sizeof(d));
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_PRPSINFO");
}

Test(core, siginfo_too_small_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	uint8_t d[16] = { 0 };
	elfgen_note(&g, n, "CORE", 0x53494749 /* NT_SIGINFO */, d, sizeof(d));
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_SIGINFO");
}

static void nt_file_desc(struct elfgen_buf *d, uint64_t count, uint64_t page_size, size_t nentries)
{
	memset(d, 0, sizeof(*d));
	elfgen_buf_u64(d, count);
	elfgen_buf_u64(d, page_size);
	for (size_t i = 0; i < nentries; i++) {
		elfgen_buf_u64(d, 0x10000 * (i + 1));
		elfgen_buf_u64(d, 0x10000 * (i + 1) + 0x1000);
		elfgen_buf_u64(d, i);
	}
}

Test(core, nt_file_count_too_large_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	struct elfgen_buf d;
	// Two entries present, a count that would need 2^60 * 24 bytes.
	nt_file_desc(&d, 1ULL << 60, 4096, 2);
	elfgen_buf_append(&d, "/a\0/b", 6);
	elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_FILE");
}

Test(core, nt_file_count_one_too_many_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	struct elfgen_buf d;
	nt_file_desc(&d, 3, 4096, 2);
	elfgen_buf_append(&d, "/a\0/b", 6);
	elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_FILE");
}

Test(core, nt_file_name_missing_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	struct elfgen_buf d;
	nt_file_desc(&d, 2, 4096, 2);
	elfgen_buf_append(&d, "/only-one", 10); // the second name is absent
	elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "lacks the name of file 1");
}

Test(core, nt_file_name_without_nul_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	struct elfgen_buf d;
	nt_file_desc(&d, 1, 1, 1);
	elfgen_buf_append(&d, "/no-terminator", 14);
	elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "lacks the name of file 0");
}

Test(core, nt_file_too_short_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	elfgen_note(&g, n, "CORE", NT_FILE, "\1\0\0\0\0\0\0\0", 8);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_FILE");
}

Test(core, nt_file_bad_page_size_is_corrupt)
{
	const uint64_t sizes[] = { 0, 3, 4097 };
	for (size_t k = 0; k < CNR_ARRAY_SIZE(sizes); k++) {
		struct elfgen g;
		size_t n;
		core_with_bad_note(&g, &n);
		struct elfgen_buf d;
		nt_file_desc(&d, 1, sizes[k], 1);
		elfgen_buf_append(&d, "/a", 3);
		elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
		elfgen_buf_deinit(&d);
		expect_open_error(&g, CNR_ERROR_CORRUPT, "page size");
	}
}

Test(core, nt_file_offset_overflow_is_corrupt)
{
	struct elfgen g;
	size_t n;
	core_with_bad_note(&g, &n);
	struct elfgen_buf d = { 0 };
	elfgen_buf_u64(&d, 1);
	elfgen_buf_u64(&d, 4096);
	elfgen_buf_u64(&d, 0x10000);
	elfgen_buf_u64(&d, 0x11000);
	elfgen_buf_u64(&d, 1ULL << 53); // * 4096 overflows 64 bits
	elfgen_buf_append(&d, "/a", 3);
	elfgen_note(&g, n, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "overflow");
}

Test(core, no_prstatus_is_corrupt)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prpsinfo(&g, n, 1, "a", "a");
	elfgen_add_load(&g, 0x10000, 0x1000, PF_R, 0x1000, NULL);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "NT_PRSTATUS");
}

Test(core, no_note_segment_is_corrupt)
{
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	elfgen_add_load(&g, 0x10000, 0x1000, PF_R, 0x1000, NULL);
	expect_open_error(&g, CNR_ERROR_CORRUPT, "no NT_PRSTATUS");
}

// --- PN_XNUM: more program headers than e_phnum can hold -------------------

Test(core, pn_xnum_takes_count_from_section_zero)
{
	struct elfgen g;
	typical_core(&g);
	g.force_xnum = true;
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "xnum.core", &core));
	cr_assert_eq(core->nsegments, 3);
	cr_assert_eq(core->nthreads, 3);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, pn_xnum_with_70000_segments)
{
	// What the kernel writes for a process with more than 65534 mappings.
	enum { NSEG = 70000 };
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	for (uint64_t i = 0; i < NSEG; i++)
		elfgen_add_load(&g, 0x100000000 + (NSEG - i) * 0x2000, 0x1000, PF_R, 0, NULL);
	struct cnr_core *core;
	cnr_cr_assert_ok(open_core(&g, "many.core", &core));
	cr_assert_eq(core->nsegments, NSEG);
	cr_assert_eq(core->segments[0].vaddr, 0x100000000 + 0x2000);
	cr_assert_eq(core->segments[NSEG - 1].vaddr, 0x100000000 + (uint64_t)NSEG * 0x2000);
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}

Test(core, pn_xnum_with_section_zero_past_eof_is_corrupt)
{
	struct elfgen g;
	typical_core(&g);
	g.force_xnum = true;
	const char *path = cnr_test_path("xnum-cut.core");
	cr_assert(elfgen_write(&g, path));
	struct elfgen_buf b;
	elfgen_build(&g, &b);
	// The section header table is written last: cut into it.
	cr_assert(elfgen_truncate(path, b.size - 8));
	elfgen_buf_deinit(&b);
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(path, &core), CNR_ERROR_CORRUPT, "PN_XNUM");
	elfgen_deinit(&g);
}

Test(core, gzip_core_opens_like_plain)
{
	struct elfgen g;
	typical_core(&g);
	const char *path = cnr_test_path("typical.core.gz");
	cr_assert(elfgen_write_gz(&g, path));
	struct cnr_core *core;
	cnr_cr_assert_ok(cnr_core_open(path, &core));
	cr_assert(core->image.compressed);
	cr_assert_eq(core->nthreads, 3);
	cr_assert_eq(core->nfiles, 3);
	cr_assert_eq(core->nsegments, 3);
	cr_assert_str_eq(core->psargs, "./server -port 8080");
	cnr_core_destroy(core);
	elfgen_deinit(&g);
}
