// DWARF lookups on the committed Go executables (cores/fixtures/*/exe).
// Expected values are computed independently: symbol addresses and sizes
// from the ELF symbol table (read here with libelf), constants and layouts
// from the Go runtime source (cited), lines from binutils' addr2line.
#include <criterion/criterion.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf/dwarf_index.h"
#include "test_util.h"

struct sym {
	uint64_t value, size;
	bool found;
};

static struct sym symtab_lookup(const char *path, const char *name)
{
	struct sym s = { 0 };
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(elf);
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !s.found; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			gelf_getsym(data, (int)i, &sym);
			const char *n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (n && strcmp(n, name) == 0) {
				s = (struct sym){ sym.st_value, sym.st_size, true };
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return s;
}

// Each committed Go executable; the test is skipped, saying why, without.
static size_t fixture_exes(glob_t *g)
{
	const char *root = getenv("CORONER_SOURCE_ROOT");
	char pattern[4096];
	snprintf(pattern, sizeof(pattern), "%s/cores/fixtures/*/exe", root ? root : ".");
	if (glob(pattern, 0, NULL, g) != 0)
		return 0;
	return g->gl_pathc;
}

#define FOR_EACH_FIXTURE(path)                                                              \
	glob_t g_;                                                                          \
	if (!fixture_exes(&g_))                                                             \
		cr_skip_test("no Go executables under cores/fixtures (CORONER_SOURCE_ROOT)"); \
	for (size_t i_ = 0; i_ < g_.gl_pathc; i_++)                                         \
		for (const char *path = g_.gl_pathv[i_]; path; path = NULL)

Test(dwarf, globals_are_at_their_symbol_addresses)
{
	static const char *const names[] = { "runtime.buildVersion", "runtime.allgs", "runtime.mheap_",
					     "runtime.firstmoduledata", "runtime.allm", "main.cache" };
	FOR_EACH_FIXTURE(exe)
	{
		struct cnr_dwarf *dw;
		cnr_cr_assert_ok(cnr_dwarf_open(exe, NULL, &dw));
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct sym s = symtab_lookup(exe, names[i]);
			cr_assert(s.found, "%s: no symbol %s", exe, names[i]);
			const struct cnr_dwarf_var *v = cnr_dwarf_global(dw, names[i]);
			cr_assert_not_null(v, "%s: no DWARF variable %s", exe, names[i]);
			cr_assert_eq(v->addr, s.value, "%s: %s at %#lx, symbol at %#lx", exe, names[i],
				     (unsigned long)v->addr, (unsigned long)s.value);
			cr_assert_not_null(cnr_dwarf_type_at(dw, v->type_offset), "%s: %s has no type", exe,
					   names[i]);
		}
		cr_assert_null(cnr_dwarf_global(dw, "main.no_such_variable"));
		cnr_dwarf_destroy(dw);
	}
}

Test(dwarf, runtime_constants)
{
	// runtime/runtime2.go, every version 1.19-1.27: _Grunning = 2,
	// _Gsyscall = 3, _Gwaiting = 4, _Gdead = 6, _Gscan = 0x1000.
	static const struct {
		const char *name;
		int64_t value;
	} want[] = { { "runtime._Grunning", 2 }, { "runtime._Gsyscall", 3 }, { "runtime._Gwaiting", 4 },
		     { "runtime._Gdead", 6 },    { "runtime._Gscan", 0x1000 } };
	FOR_EACH_FIXTURE(exe)
	{
		struct cnr_dwarf *dw;
		cnr_cr_assert_ok(cnr_dwarf_open(exe, NULL, &dw));
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			int64_t v;
			cr_assert(cnr_dwarf_constant(dw, want[i].name, &v), "%s: no constant %s", exe, want[i].name);
			cr_assert_eq(v, want[i].value, "%s: %s = %ld", exe, want[i].name, (long)v);
		}
		int64_t v;
		cr_assert(!cnr_dwarf_constant(dw, "runtime._GnoSuchState", &v));
		cnr_dwarf_destroy(dw);
	}
}

Test(dwarf, struct_layouts)
{
	// runtime/runtime2.go: type stack struct { lo, hi uintptr };
	// type g struct { stack stack; ... sched gobuf; ... };
	// type gobuf struct { sp, pc uintptr; ... }; runtime/chan.go: type
	// hchan struct { qcount uint; dataqsiz uint; buf unsafe.Pointer; ... }.
	FOR_EACH_FIXTURE(exe)
	{
		struct cnr_dwarf *dw;
		cnr_cr_assert_ok(cnr_dwarf_open(exe, NULL, &dw));
		const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, "runtime.stack");
		cr_assert_not_null(t);
		cr_assert(t->has_size);
		cr_assert_eq(t->size, 16);
		cr_assert_eq(t->nfields, 2);
		cr_assert_eq(cnr_dwarf_field(dw, t, "hi")->offset, 8);
		uint64_t off, sched;
		cnr_cr_assert_ok(cnr_dwarf_offsetof(dw, "runtime.g", "stack.hi", &off));
		cr_assert_eq(off, 8);
		cnr_cr_assert_ok(cnr_dwarf_offsetof(dw, "runtime.g", "sched", &sched));
		cnr_cr_assert_ok(cnr_dwarf_offsetof(dw, "runtime.g", "sched.pc", &off));
		cr_assert_eq(off, sched + 8);
		cnr_cr_assert_ok(cnr_dwarf_offsetof(dw, "runtime.hchan", "buf", &off));
		cr_assert_eq(off, 16);
		cnr_cr_assert_err(cnr_dwarf_offsetof(dw, "runtime.g", "no_such_field", &off),
				  CNR_ERROR_MISSING_DEBUG_INFO);
		cnr_cr_assert_err(cnr_dwarf_offsetof(dw, "runtime.no_such_type", "x", &off),
				  CNR_ERROR_MISSING_DEBUG_INFO);
		// The element type of runtime.allgs ([]*runtime.g) is named as Go spells it.
		const struct cnr_dwarf_var *allgs = cnr_dwarf_global(dw, "runtime.allgs");
		cr_assert_str_eq(cnr_dwarf_type_at(dw, allgs->type_offset)->name, "[]*runtime.g");
		cnr_dwarf_destroy(dw);
	}
}

Test(dwarf, functions_and_lines)
{
	static const char *const names[] = { "main.main", "runtime.gopark", "runtime.mallocgc" };
	FOR_EACH_FIXTURE(exe)
	{
		struct cnr_dwarf *dw;
		cnr_cr_assert_ok(cnr_dwarf_open(exe, NULL, &dw));
		cr_assert_gt(cnr_dwarf_num_funcs(dw), 1000);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct sym s = symtab_lookup(exe, names[i]);
			cr_assert(s.found);
			const struct cnr_dwarf_func *f = cnr_dwarf_func_at(dw, s.value + s.size / 2);
			cr_assert_not_null(f, "%s: nothing at %s", exe, names[i]);
			cr_assert_str_eq(f->name, names[i]);
			cr_assert_eq(f->lo, s.value);
			cr_assert_eq(f->hi, s.value + s.size, "%s: %s ends at %#lx, symbol at %#lx", exe, names[i],
				     (unsigned long)f->hi, (unsigned long)(s.value + s.size));

			// The line of a pc inside the function, as binutils' readelf
			// decodes the line program (addr2line mis-reads Go's DWARF 5
			// inside inlined code): the last row at or below pc.
			uint64_t pc = s.value + s.size / 2;
			char cmd[8192], want[4096] = "", line_buf[4096];
			snprintf(cmd, sizeof(cmd), "readelf --debug-dump=decodedline '%s'", exe);
			FILE *p = popen(cmd, "r");
			cr_assert_not_null(p);
			uint64_t best = 0;
			while (fgets(line_buf, sizeof(line_buf), p)) {
				char file[1024];
				unsigned long lno, addr;
				if (sscanf(line_buf, "%1023s %lu %lx", file, &lno, &addr) != 3)
					continue;
				if (addr <= pc && addr >= best && addr >= s.value) {
					best = addr;
					snprintf(want, sizeof(want), "%s:%lu", file, lno);
				}
			}
			pclose(p);
			cr_assert(want[0], "%s: readelf has no line for %#lx", exe, (unsigned long)pc);
			const char *file;
			int line;
			cnr_cr_assert_ok(cnr_dwarf_line_at(dw, pc, &file, &line));
			const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
			char got[4096];
			snprintf(got, sizeof(got), "%s:%d", base, line);
			cr_assert_str_eq(got, want, "%s: line of %s+%#lx", exe, names[i], (unsigned long)(s.size / 2));
		}
		cr_assert_null(cnr_dwarf_func_at(dw, 0x10));
		cnr_dwarf_destroy(dw);
	}
}

Test(dwarf, dwarf_version_follows_go_version)
{
	// Go writes DWARF 4 up to 1.24 and DWARF 5 from 1.25
	// (internal/buildcfg/exp.go: Dwarf5 baseline in 1.25).
	FOR_EACH_FIXTURE(exe)
	{
		struct cnr_dwarf *dw;
		cnr_cr_assert_ok(cnr_dwarf_open(exe, NULL, &dw));
		const char *v = strstr(exe, "go1.");
		cr_assert_not_null(v, "fixture directory names its Go version: %s", exe);
		unsigned minor = (unsigned)atoi(v + 4);
		cr_assert_eq(cnr_dwarf_version(dw), minor >= 25 ? 5u : 4u, "%s", exe);
		cnr_dwarf_destroy(dw);
	}
}

Test(dwarf, missing_debug_info)
{
	// A binary without DWARF sections at all.
	char dir[] = "/tmp/coroner-dwarf-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[4200];
	snprintf(path, sizeof(path), "%s/true", dir);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "objcopy --strip-debug /bin/true '%s'", path);
	cr_assert_eq(system(cmd), 0);
	struct cnr_dwarf *dw;
	cnr_cr_assert_err(cnr_dwarf_open(path, NULL, &dw), CNR_ERROR_MISSING_DEBUG_INFO);
	unlink(path);
	rmdir(dir);
}
