// The target memory reader over a synthetic core and executable: which
// source serves each byte, faults that name the first missing byte, and
// never a zero where the dump saved nothing.
#include <elf.h>

#include "core/memory.h"
#include "elfgen.h"
#include "test_util.h"

TestSuite(memory, .fini = cnr_test_tmpdir_cleanup, .timeout = 120);

enum {
	CORE_SEED = 0xc04e,
	EXE_SEED = 0xe8e,
	STACK_KEEP = 0x8000, // bytes of the stack left by the truncated core
};

struct layout_seg {
	uint64_t vaddr, memsz, filesz;
	uint32_t flags;
};

// The executable: text, rodata (whose last 0x800 bytes are bss-like, not
// in the file) and writable data.
static const struct layout_seg exe_layout[] = {
	{ 0x400000, 0x3000, 0x3000, PF_R | PF_X },
	{ 0x403000, 0x2000, 0x1800, PF_R },
	{ 0x405000, 0x2000, 0x1000, PF_R | PF_W },
};

// The core, as the kernel would write it: the first page of text, no
// rodata or data (filtered), a heap in two adjacent segments of which the
// second is half saved, a PROT_NONE arena reservation, the vsyscall page
// near the top of the address space, and the stack, last in the file so
// that truncation eats it.
static const struct layout_seg core_layout[] = {
	{ 0x400000, 0x3000, 0x1000, PF_R | PF_X },
	{ 0x403000, 0x2000, 0, PF_R },
	{ 0x405000, 0x2000, 0, PF_R | PF_W },
	{ 0xc000000000, 0x4000, 0x4000, PF_R | PF_W },
	{ 0xc000004000, 0x4000, 0x2000, PF_R | PF_W },
	{ 0xc000100000, 0x100000, 0, 0 },
	{ 0xffffffffff600000, 0x1000, 0x1000, PF_R | PF_X },
	{ 0x7ffffffde000, 0x21000, 0x21000, PF_R | PF_W },
};
enum { STACK_SEG = 7 };
static const uint64_t STACK_TOP = 0x7ffffffde000 + 0x21000;

struct fixture {
	struct elfgen core_gen, exe_gen;
	struct cnr_core *core;
	struct cnr_exe *exe;
	struct cnr_memory mem;
	bool truncated;
};

static const char go_build_id[] = "Zr1mIbgxAsZ3wmiEbFbm/bHS7a0yVTSxEFtpYsfZ4";

static void write_exe(struct fixture *f, const char *path)
{
	struct elfgen *g = &f->exe_gen;
	elfgen_init(g, ET_EXEC);
	g->e_entry = 0x401000;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(exe_layout); i++) {
		const struct layout_seg *s = &exe_layout[i];
		elfgen_add_load_pattern(g, s->vaddr, s->memsz, s->flags, s->filesz, EXE_SEED);
	}
	// cmd/link addgonote: namesz 4 "Go\0\0", type 4, desc = the ID.
	struct elfgen_buf note = { 0 };
	elfgen_buf_u32(&note, 4);
	elfgen_buf_u32(&note, sizeof(go_build_id) - 1);
	elfgen_buf_u32(&note, 4);
	elfgen_buf_append(&note, "Go\0\0", 4);
	elfgen_buf_append(&note, go_build_id, sizeof(go_build_id) - 1);
	elfgen_buf_align(&note, 4);
	elfgen_add_section(g, ".note.go.buildid", SHT_NOTE, SHF_ALLOC, 0x400f9c, note.data, note.size);
	elfgen_buf_deinit(&note);
	elfgen_add_section(g, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x401000, "\xc3", 1);
	cr_assert(elfgen_write(g, path));
}

static void write_core(struct fixture *f, const char *path, bool truncate)
{
	struct elfgen *g = &f->core_gen;
	elfgen_init(g, ET_CORE);
	size_t n = elfgen_add_note_segment(g);
	elfgen_prstatus(g, n, 100, 0, 0x401000, STACK_TOP - 0x100, 0);
	for (size_t i = 0; i < CNR_ARRAY_SIZE(core_layout); i++) {
		const struct layout_seg *s = &core_layout[i];
		elfgen_add_load_pattern(g, s->vaddr, s->memsz, s->flags, s->filesz, CORE_SEED);
	}
	cr_assert(elfgen_write(g, path));
	if (truncate)
		cr_assert(elfgen_truncate(path, g->segs[1 + STACK_SEG].file_offset + STACK_KEEP));
}

static void setup(struct fixture *f, bool with_exe, bool truncate)
{
	memset(f, 0, sizeof(*f));
	f->truncated = truncate;
	const char *core_path = cnr_test_path("prog.core"), *exe_path = cnr_test_path("prog");
	write_core(f, core_path, truncate);
	cnr_cr_assert_ok(cnr_core_open(core_path, &f->core));
	cr_assert_eq(f->core->truncated, truncate);
	if (with_exe) {
		write_exe(f, exe_path);
		cnr_cr_assert_ok(cnr_exe_open(exe_path, &f->exe));
	}
	cnr_cr_assert_ok(cnr_memory_init(&f->mem, f->core, f->exe, 0));
}

static void teardown(struct fixture *f)
{
	cnr_memory_deinit(&f->mem);
	cnr_exe_destroy(f->exe);
	cnr_core_destroy(f->core);
	elfgen_deinit(&f->core_gen);
	elfgen_deinit(&f->exe_gen);
}

// --- a reference model, one byte at a time, written from the rules -----

enum ref_source { REF_CORE, REF_EXE, REF_NOT_SAVED, REF_TRUNCATED, REF_NO_ACCESS, REF_UNMAPPED };

static enum ref_source ref_byte(const struct fixture *f, uint64_t addr, uint8_t *byte)
{
	const struct layout_seg *cs = NULL;
	size_t ci = 0;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(core_layout); i++) {
		const struct layout_seg *s = &core_layout[i];
		if (addr >= s->vaddr && addr - s->vaddr < s->memsz) {
			cs = s;
			ci = i;
		}
	}
	uint64_t present = cs ? cs->filesz : 0;
	if (cs && f->truncated && ci == STACK_SEG)
		present = STACK_KEEP;
	if (cs && addr - cs->vaddr < present) {
		*byte = elfgen_pattern(CORE_SEED, addr);
		return REF_CORE;
	}
	// The executable's file bytes, only from segments the process cannot
	// have written.
	for (size_t i = 0; f->exe && i < CNR_ARRAY_SIZE(exe_layout); i++) {
		const struct layout_seg *s = &exe_layout[i];
		if (!(s->flags & PF_W) && addr >= s->vaddr && addr - s->vaddr < s->filesz) {
			*byte = elfgen_pattern(EXE_SEED, addr);
			return REF_EXE;
		}
	}
	if (!cs)
		return REF_UNMAPPED;
	if (addr - cs->vaddr < cs->filesz)
		return REF_TRUNCATED;
	if (cs->flags == 0)
		return REF_NO_ACCESS;
	return REF_NOT_SAVED;
}

static const char *ref_reason(enum ref_source src)
{
	switch (src) {
	case REF_NOT_SAVED: return "not saved in core dump";
	case REF_TRUNCATED: return "truncated";
	case REF_NO_ACCESS: return "PROT_NONE";
	case REF_UNMAPPED: return "not mapped";
	default: return "not in the core file";
	}
}

// Check one read against the model: the bytes, or a fault at the first
// byte the model cannot serve, with the reason for that byte.
static void check_read(struct fixture *f, uint64_t addr, size_t n, bool core_only)
{
	static uint8_t buf[0x4000], want[0x4000];
	cr_assert_leq(n, sizeof(buf));
	struct cnr_error *err = core_only ? cnr_memory_read_core_only(&f->mem, addr, buf, n)
					  : cnr_memory_read(&f->mem, addr, buf, n);
	if (n && addr + n - 1 < addr) {
		cnr_cr_assert_fault(err, addr, "wraps");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		enum ref_source src = ref_byte(f, addr + i, &want[i]);
		if (src == REF_CORE || (src == REF_EXE && !core_only))
			continue;
		cr_assert_not_null(err, "read of %zu at 0x%" PRIx64 "%s succeeded; byte 0x%" PRIx64 " is %s", n,
				   addr, core_only ? " (core only)" : "", addr + i, ref_reason(src));
		cnr_cr_assert_fault(err, addr + i, ref_reason(src));
		return;
	}
	cr_assert_null(err, "read of %zu at 0x%" PRIx64 "%s: %s", n, addr, core_only ? " (core only)" : "",
		       err ? cnr_error_message(err) : "");
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(buf[i], want[i], "read of %zu at 0x%" PRIx64 ": byte %zu is 0x%02x, expected 0x%02x", n,
			     addr, i, buf[i], want[i]);
}

static void expect_bytes(struct fixture *f, uint64_t addr, size_t n, uint64_t seed)
{
	uint8_t buf[256];
	cr_assert_leq(n, sizeof(buf));
	cnr_cr_assert_ok(cnr_memory_read(&f->mem, addr, buf, n));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(buf[i], elfgen_pattern(seed, addr + i), "byte 0x%" PRIx64, addr + i);
}

// --- the rules, one at a time ------------------------------------------------

Test(memory, exe_opens_with_segments_and_build_id)
{
	struct fixture f;
	setup(&f, true, false);
	cr_assert_eq(f.exe->type, ET_EXEC);
	cr_assert_eq(f.exe->entry, 0x401000);
	cr_assert_eq(f.exe->nsegments, 3);
	cr_assert_eq(f.exe->segments[1].flags, PF_R);
	cr_assert_eq(f.exe->segments[1].filesz, 0x1800);
	cr_assert_str_eq(f.exe->go_build_id, go_build_id);
	cr_assert_eq(f.exe->go_build_id_vaddr, 0x400f9c + 16);
	teardown(&f);
}

Test(memory, read_across_adjacent_segments)
{
	struct fixture f;
	setup(&f, true, false);
	expect_bytes(&f, 0xc000003f80, 0x100, CORE_SEED);
	uint64_t v;
	cnr_cr_assert_ok(cnr_memory_read_u64(&f.mem, 0xc000003ffc, &v));
	uint64_t want = 0;
	for (int i = 7; i >= 0; i--)
		want = want << 8 | elfgen_pattern(CORE_SEED, 0xc000003ffc + (uint64_t)i);
	cr_assert_eq(v, want);
	teardown(&f);
}

Test(memory, bytes_past_filesz_fault_never_zeros)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t buf[32];
	memset(buf, 0xcc, sizeof(buf));
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc000005ff0, buf, sizeof(buf)), 0xc000006000,
			    "not saved in core dump");
	// The bytes that were not saved were not invented either.
	for (size_t i = 16; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xcc, "byte %zu was filled", i);
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc000007ff8, buf, 8), 0xc000007ff8, "not saved in core dump");
	uint64_t v = 0x1234;
	cnr_cr_assert_fault(cnr_memory_read_u64(&f.mem, 0xc000006000, &v), 0xc000006000, "not saved");
	cr_assert_eq(v, 0x1234, "out-parameter changed on error");
	teardown(&f);
}

Test(memory, read_only_exe_segments_fill_in)
{
	struct fixture f;
	setup(&f, true, false);
	expect_bytes(&f, 0x401000, 64, EXE_SEED);  // text past the saved first page
	expect_bytes(&f, 0x402fc0, 64, EXE_SEED);
	expect_bytes(&f, 0x403000, 256, EXE_SEED); // rodata, not in the core at all
	expect_bytes(&f, 0x4047f0, 16, EXE_SEED);
	// The first page comes from the core even though the exe has it too.
	expect_bytes(&f, 0x400000, 64, CORE_SEED);
	// One read spanning both sources.
	uint8_t buf[32];
	cnr_cr_assert_ok(cnr_memory_read(&f.mem, 0x400ff0, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], elfgen_pattern(i < 16 ? CORE_SEED : EXE_SEED, 0x400ff0 + i));
	// And text runs seamlessly into rodata, both from the exe.
	uint8_t big[0x100];
	cnr_cr_assert_ok(cnr_memory_read(&f.mem, 0x402f80, big, sizeof(big)));
	// Past the rodata segment's file bytes, nothing holds it.
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x4047f8, buf, 16), 0x404800, "not saved in core dump");
	teardown(&f);
}

Test(memory, writable_exe_segment_is_never_served)
{
	// .data in the file is its initial value; the process changed it.
	struct fixture f;
	setup(&f, true, false);
	uint8_t b;
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x405000, &b, 1), 0x405000, "not saved in core dump");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x405800, &b, 1), 0x405800, "not saved in core dump");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x404ff0, &b, 1), 0x404ff0, "not saved in core dump");
	teardown(&f);
}

Test(memory, without_exe_text_is_not_saved)
{
	struct fixture f;
	setup(&f, false, false);
	expect_bytes(&f, 0x400f00, 0x100, CORE_SEED);
	uint8_t b[8];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x400ffc, b, 8), 0x401000, "not saved in core dump");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x403000, b, 8), 0x403000, "not saved in core dump");
	cr_assert_eq(f.mem.bytes[CNR_MEM_EXE], 0);
	teardown(&f);
}

Test(memory, prot_none_is_fault)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t b[8];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc000100010, b, 8), 0xc000100010, "PROT_NONE");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc0001ffff8, b, 8), 0xc0001ffff8, "PROT_NONE");
	teardown(&f);
}

Test(memory, unmapped_is_fault)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t b[16];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0, b, 8), 0, "not mapped");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc000008000, b, 8), 0xc000008000, "not mapped");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0x3ffff8, b, 16), 0x3ffff8, "not mapped");
	// Off the end of the stack: the fault names the first byte past it.
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, STACK_TOP - 8, b, 16), STACK_TOP, "not mapped");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xffffffffff600ff8, b, 16), 0xffffffffff601000,
			    "not mapped");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, UINT64_MAX, b, 1), UINT64_MAX, "not mapped");
	teardown(&f);
}

// Best-effort reads say only yes or no, and free the fault (the ASan
// build's leak checker fails a leak here).
Test(memory, readable_agrees_with_read)
{
	struct fixture f;
	setup(&f, true, false);
	uint64_t v = 0, w = 0;
	cr_assert_not(cnr_memory_readable(&f.mem, 0, &v, 8));
	cr_assert_not(cnr_memory_readable_u64(&f.mem, STACK_TOP - 4, &v));
	cr_assert_not(cnr_memory_readable(&f.mem, UINT64_MAX, &v, 2));
	cr_assert(cnr_memory_readable_u64(&f.mem, STACK_TOP - 8, &v));
	cnr_cr_assert_ok(cnr_memory_read_u64(&f.mem, STACK_TOP - 8, &w));
	cr_assert_eq(v, w);
	teardown(&f);
}

Test(memory, wrapping_range_is_fault)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t b[16];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, UINT64_MAX - 3, b, 8), UINT64_MAX - 3, "wraps");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, UINT64_MAX, b, 2), UINT64_MAX, "wraps");
	cnr_cr_assert_fault(cnr_memory_read_core_only(&f.mem, UINT64_MAX - 7, b, 16), UINT64_MAX - 7, "wraps");
	// A size that would wrap from a mapped address.
	static uint8_t huge[1];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, 0xc000000000, huge, SIZE_MAX), 0xc000000000, "wraps");
	teardown(&f);
}

Test(memory, zero_length_read_succeeds_anywhere)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t b;
	cnr_cr_assert_ok(cnr_memory_read(&f.mem, 0, &b, 0));
	cnr_cr_assert_ok(cnr_memory_read(&f.mem, UINT64_MAX, &b, 0));
	teardown(&f);
}

Test(memory, core_only_refuses_exe_bytes)
{
	struct fixture f;
	setup(&f, true, false);
	uint8_t b[16];
	cnr_cr_assert_fault(cnr_memory_read_core_only(&f.mem, 0x401000, b, 8), 0x401000, "not in the core file");
	cnr_cr_assert_fault(cnr_memory_read_core_only(&f.mem, 0x400ff8, b, 16), 0x401000, "not in the core file");
	cnr_cr_assert_fault(cnr_memory_read_core_only(&f.mem, 0x403000, b, 8), 0x403000, "not in the core file");
	cnr_cr_assert_ok(cnr_memory_read_core_only(&f.mem, 0x400ff0, b, 16));
	cnr_cr_assert_ok(cnr_memory_read_core_only(&f.mem, 0xc000003ff8, b, 16));
	cnr_cr_assert_fault(cnr_memory_read_core_only(&f.mem, 0xc000006000, b, 8), 0xc000006000,
			    "not saved in core dump");
	teardown(&f);
}

Test(memory, truncated_core_faults_with_truncated)
{
	struct fixture f;
	setup(&f, true, true);
	uint64_t lost = 0x7ffffffde000 + STACK_KEEP;
	cr_assert_eq(f.core->missing_file_bytes, 0x21000 - STACK_KEEP);
	expect_bytes(&f, lost - 64, 64, CORE_SEED);
	uint8_t b[16];
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, lost - 8, b, 16), lost, "truncated");
	cnr_cr_assert_fault(cnr_memory_read(&f.mem, STACK_TOP - 8, b, 8), STACK_TOP - 8, "truncated");
	// What is before the cut is intact.
	expect_bytes(&f, 0xc000000000, 64, CORE_SEED);
	expect_bytes(&f, 0xffffffffff600000, 64, CORE_SEED);
	teardown(&f);
}

static void expect_accounting(struct fixture *f, uint64_t stack_saved)
{
	const uint64_t *b = f->mem.bytes;
	cr_assert_eq(b[CNR_MEM_CORE], 0x1000 + 0x4000 + 0x2000 + 0x1000 + stack_saved, "core 0x%" PRIx64,
		     b[CNR_MEM_CORE]);
	cr_assert_eq(b[CNR_MEM_EXE], 0x2000 + 0x1800, "exe 0x%" PRIx64, b[CNR_MEM_EXE]);
	cr_assert_eq(b[CNR_MEM_NOT_SAVED], 0x800 + 0x2000 + 0x2000, "not saved 0x%" PRIx64, b[CNR_MEM_NOT_SAVED]);
	cr_assert_eq(b[CNR_MEM_TRUNCATED], 0x21000 - stack_saved, "truncated 0x%" PRIx64, b[CNR_MEM_TRUNCATED]);
	cr_assert_eq(b[CNR_MEM_NO_ACCESS], 0x100000, "no access 0x%" PRIx64, b[CNR_MEM_NO_ACCESS]);
	// Every mapped byte is counted once.
	uint64_t total = 0, mapped = 0;
	for (int s = 0; s < CNR_MEM_NUM_SOURCES; s++)
		total += b[s];
	for (size_t i = 0; i < CNR_ARRAY_SIZE(core_layout); i++)
		mapped += core_layout[i].memsz;
	cr_assert_eq(total, mapped);
}

Test(memory, byte_accounting_per_source)
{
	struct fixture f;
	setup(&f, true, false);
	expect_accounting(&f, 0x21000);
	teardown(&f);
}

Test(memory, byte_accounting_of_truncated_core)
{
	struct fixture f;
	setup(&f, true, true);
	expect_accounting(&f, STACK_KEEP);
	teardown(&f);
}

Test(memory, ranges_are_sorted_and_disjoint)
{
	struct fixture f;
	setup(&f, true, false);
	for (size_t i = 0; i < f.mem.nranges; i++) {
		const struct cnr_mem_range *r = &f.mem.ranges[i];
		cr_assert_lt(r->start, r->end);
		if (i)
			cr_assert_leq(f.mem.ranges[i - 1].end, r->start);
		// Adjacent ranges of one source with contiguous offsets are merged.
		if (i && f.mem.ranges[i - 1].end == r->start && f.mem.ranges[i - 1].source == r->source)
			cr_assert(r->source == CNR_MEM_CORE || r->source == CNR_MEM_EXE);
	}
	const struct cnr_mem_range *r = cnr_memory_find(&f.mem, 0xc000004000);
	cr_assert_not_null(r);
	cr_assert_eq(r->source, CNR_MEM_CORE);
	cr_assert_null(cnr_memory_find(&f.mem, 0x1000));
	teardown(&f);
}

Test(memory, direct_pointers)
{
	struct fixture f;
	setup(&f, true, false);
	const uint8_t *p = cnr_memory_ptr(&f.mem, 0xc000000010, 0x100);
	cr_assert_not_null(p);
	for (size_t i = 0; i < 0x100; i++)
		cr_assert_eq(p[i], elfgen_pattern(CORE_SEED, 0xc000000010 + i));
	p = cnr_memory_ptr(&f.mem, 0x403010, 0x10);
	cr_assert_not_null(p);
	cr_assert_eq(p[0], elfgen_pattern(EXE_SEED, 0x403010));
	cr_assert_null(cnr_memory_ptr(&f.mem, 0x400ff8, 16), "pointer across core and exe");
	cr_assert_null(cnr_memory_ptr(&f.mem, 0xc000006000, 8), "pointer to bytes not saved");
	cr_assert_null(cnr_memory_ptr(&f.mem, 0xc000100000, 8), "pointer into PROT_NONE");
	cr_assert_null(cnr_memory_ptr(&f.mem, 0x10, 8), "pointer to unmapped memory");
	teardown(&f);
}

Test(memory, exe_with_load_bias)
{
	// A PIE: the exe's vaddrs start near 0 and the loader adds a bias.
	const uint64_t bias = 0x555555554000;
	struct elfgen eg, cg;
	elfgen_init(&eg, ET_EXEC);
	elfgen_add_load_pattern(&eg, 0x0, 0x2000, PF_R | PF_X, 0x2000, EXE_SEED);
	elfgen_add_load_pattern(&eg, 0x3000, 0x1000, PF_R | PF_W, 0x1000, EXE_SEED);
	elfgen_add_section(&eg, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x100, "\xc3", 1);
	const char *exe_path = cnr_test_path("pie");
	cr_assert(elfgen_write(&eg, exe_path));
	elfgen_init(&cg, ET_CORE);
	size_t n = elfgen_add_note_segment(&cg);
	elfgen_prstatus(&cg, n, 1, 0, 0, 0, 0);
	elfgen_add_load_pattern(&cg, bias, 0x2000, PF_R | PF_X, 0x1000, CORE_SEED);
	elfgen_add_load(&cg, bias + 0x3000, 0x1000, PF_R | PF_W, 0, NULL);
	const char *core_path = cnr_test_path("pie.core");
	cr_assert(elfgen_write(&cg, core_path));

	struct cnr_core *core;
	struct cnr_exe *exe;
	struct cnr_memory mem;
	cnr_cr_assert_ok(cnr_core_open(core_path, &core));
	cnr_cr_assert_ok(cnr_exe_open(exe_path, &exe));
	cnr_cr_assert_ok(cnr_memory_init(&mem, core, exe, bias));
	uint8_t b[16];
	cnr_cr_assert_ok(cnr_memory_read(&mem, bias + 0xff8, b, 16));
	for (size_t i = 0; i < 16; i++) {
		// The exe's bytes are at file vaddr, i.e. target address - bias.
		uint8_t want = i < 8 ? elfgen_pattern(CORE_SEED, bias + 0xff8 + i)
				     : elfgen_pattern(EXE_SEED, 0xff8 + i);
		cr_assert_eq(b[i], want, "byte %zu", i);
	}
	cnr_cr_assert_fault(cnr_memory_read(&mem, bias + 0x3000, b, 8), bias + 0x3000, "not saved in core dump");
	// Without the bias nothing lands at the exe's own vaddrs.
	cnr_cr_assert_fault(cnr_memory_read(&mem, 0x1000, b, 8), 0x1000, "not mapped");
	cnr_memory_deinit(&mem);
	cnr_exe_destroy(exe);
	cnr_core_destroy(core);
	elfgen_deinit(&eg);
	elfgen_deinit(&cg);
}

// --- random reads against the model -----------------------------------------

static void random_reads(struct fixture *f, uint64_t seed)
{
	// Boundaries of every segment in both files: where bugs live.
	uint64_t points[64];
	size_t np = 0;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(core_layout); i++) {
		const struct layout_seg *s = &core_layout[i];
		points[np++] = s->vaddr;
		points[np++] = s->vaddr + s->filesz;
		points[np++] = s->vaddr + s->memsz;
	}
	for (size_t i = 0; i < CNR_ARRAY_SIZE(exe_layout); i++) {
		points[np++] = exe_layout[i].vaddr + exe_layout[i].filesz;
	}
	points[np++] = 0x7ffffffde000 + STACK_KEEP;
	points[np++] = 0;
	points[np++] = UINT64_MAX;
	uint64_t s = seed;
	for (int k = 0; k < 10000; k++) {
		uint64_t r = cnr_test_rand(&s);
		uint64_t addr;
		if (r % 4 != 0) {
			addr = points[cnr_test_rand(&s) % np] + cnr_test_rand(&s) % 0x80 - 0x40;
		} else {
			const struct layout_seg *sg = &core_layout[cnr_test_rand(&s) % CNR_ARRAY_SIZE(core_layout)];
			addr = sg->vaddr + cnr_test_rand(&s) % sg->memsz;
		}
		size_t n = (r >> 8) % 16 == 0 ? (size_t)(cnr_test_rand(&s) % 0x3000)
					      : (size_t)(cnr_test_rand(&s) % 0x90);
		check_read(f, addr, n, (r >> 16) % 3 == 0);
	}
}

Test(memory, random_reads_match_reference)
{
	struct fixture f;
	setup(&f, true, false);
	random_reads(&f, 0x5eed);
	teardown(&f);
}

Test(memory, random_reads_match_reference_truncated)
{
	struct fixture f;
	setup(&f, true, true);
	random_reads(&f, 0xbeef);
	teardown(&f);
}

Test(memory, random_reads_match_reference_without_exe)
{
	struct fixture f;
	setup(&f, false, false);
	random_reads(&f, 0xcafe);
	teardown(&f);
}
