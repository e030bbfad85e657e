// A rebuilt executable for a core of a stripped one.  Production binaries
// are often linked with -ldflags="-s -w": no DWARF, no symbol table.  The
// same source built with the same toolchain and flags but without -s -w
// has the same text, read-only data and pclntab at the same addresses;
// its Go build ID differs (the flags are part of it) and so does
// .go.buildinfo (it records -ldflags), which moves the data sections by a
// few bytes.  Such a rebuild is accepted once the core's own
// runtime.firstmoduledata says it is the same program: text, etext,
// minpc, maxpc, the pclntab header and the type section equal the
// rebuild's, and every data section has the rebuild's size at one common
// offset, by which the rebuild's globals are then moved.
//
// Go 1.27 also records the build settings (-ldflags="-s -w" among them)
// in .rodata, so everything in the read-only data after them (the pclntab,
// the type section, ...) sits a few bytes further in the stripped binary
// than in the rebuild, and the rebuild's read-only bytes cannot stand for
// it: type descriptors hold absolute pointers.  Then the stripped binary
// that ran (the executable the core names, its build ID the core's) serves
// the read-only bytes, the rebuild only its DWARF and symbols, once the
// core's moduledata says they are the same program with the read-only
// data moved by one offset: the same text, the same pclntab table lengths
// and the same pclntab bytes in both files.
#include "goruntime/rebuild.h"

#include <elf.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"

enum { MAX_MODULEDATA = 4096, SEARCH_WINDOW = 1 << 20, PAGE = 4096, MAX_PCLNTAB = 1 << 28, PATH_NOTE = 4200 };
#define NO_FIELD UINT64_MAX

// Fields of runtime.moduledata that must be equal, and the data section
// bounds that must be equal up to one offset, pairwise (start, end).
// (A kernel core does not hold text or read-only data, only these words
// about them; the pclntab's sub-tables move or change length with any
// change of code or of a source path.)  The first seven are in every
// release; the others are compared where the release has them (Go 1.26
// dropped typelinks, for one).
enum { REQUIRED_FIELDS = 7 };
static const char *const same_fields[] = {
	"pcHeader",        "text",            "etext",           "types",           "etypes",
	"minpc",           "maxpc",           "funcnametab.array", "funcnametab.len", "cutab.array",
	"cutab.len",       "filetab.array",   "filetab.len",     "pctab.array",     "pctab.len",
	"pclntable.array", "pclntable.len",   "ftab.array",      "ftab.len",        "findfunctab",
	"typelinks.array", "typelinks.len",   "itablinks.array", "itablinks.len",   "gcdata",
	"gcbss",
};
// Where each of same_fields points: code (never moves), a length (never
// changes), read-only data after the build settings (moves by the
// read-only offset), or read-only data on either side of them (by 0 or
// that offset: gcdata and gcbss lie in .rodata).
enum field_kind { SAME, RO, RO_EITHER };
static const enum field_kind field_kinds[CNR_ARRAY_SIZE(same_fields)] = {
	RO,   SAME, SAME, RO,   RO, SAME, SAME, RO, SAME, RO, SAME, RO,        SAME,
	RO,   SAME, RO,   SAME, RO, SAME, RO,   RO, SAME, RO, SAME, RO_EITHER, RO_EITHER,
};
enum { F_PCHEADER = 0, F_PCLNTABLE_ARRAY = 15, F_PCLNTABLE_LEN = 16 };
static const char *const data_bounds[] = { "noptrdata", "enoptrdata", "data", "edata",
					   "bss",       "ebss",       "noptrbss", "enoptrbss" };

struct md_layout {
	uint64_t size;
	uint64_t same[CNR_ARRAY_SIZE(same_fields)];
	uint64_t bounds[CNR_ARRAY_SIZE(data_bounds)];
	uint64_t end;
};

static uint64_t word_at(const uint8_t *md, uint64_t off)
{
	uint64_t v;
	memcpy(&v, md + off, 8);
	return v;
}

// The bytes of [vaddr, vaddr+n) as the executable file initializes them.
static const uint8_t *exe_bytes(const struct cnr_exe *exe, uint64_t vaddr, uint64_t n)
{
	for (size_t i = 0; i < exe->nsegments; i++) {
		const struct cnr_exe_segment *s = &exe->segments[i];
		if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->filesz && s->filesz - (vaddr - s->vaddr) >= n)
			return exe->raw + s->offset + (vaddr - s->vaddr);
	}
	return NULL;
}

static struct cnr_error *layout_of(struct cnr_program *prog, struct md_layout *l)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(prog->dwarf, "runtime.moduledata");
	if (!t || !t->has_size || t->size > MAX_MODULEDATA || t->size < 8)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no runtime.moduledata in the DWARF");
	l->size = t->size;
	struct cnr_error *err = NULL;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(same_fields) && !err; i++) {
		err = cnr_dwarf_offsetof(prog->dwarf, "runtime.moduledata", same_fields[i], &l->same[i]);
		if (err && i >= REQUIRED_FIELDS && cnr_error_code(err) == CNR_ERROR_MISSING_DEBUG_INFO) {
			cnr_error_destroy(err);
			err = NULL;
			l->same[i] = NO_FIELD;
		}
	}
	for (size_t i = 0; i < CNR_ARRAY_SIZE(data_bounds) && !err; i++)
		err = cnr_dwarf_offsetof(prog->dwarf, "runtime.moduledata", data_bounds[i], &l->bounds[i]);
	if (!err)
		err = cnr_dwarf_offsetof(prog->dwarf, "runtime.moduledata", "end", &l->end);
	for (size_t i = 0; !err && i < CNR_ARRAY_SIZE(l->same); i++)
		if (l->same[i] != NO_FIELD && l->same[i] > l->size - 8)
			err = cnr_error_corrupt("runtime.moduledata.%s lies outside the struct", same_fields[i]);
	for (size_t i = 0; !err && i < CNR_ARRAY_SIZE(l->bounds); i++)
		if (l->bounds[i] > l->size - 8)
			err = cnr_error_corrupt("runtime.moduledata.%s lies outside the struct", data_bounds[i]);
	if (!err && l->end > l->size - 8)
		err = cnr_error_corrupt("runtime.moduledata.end lies outside the struct");
	return err;
}

// Whether the moduledata bytes core_md (in the core) and exe_md (the
// rebuild's) describe the same program with data moved by delta and
// read-only data by ro_delta; if not, why (the first field that differs)
// in why, and in *nsame how many of same_fields agree (to tell a
// moduledata from words that only look so).
static bool same_program(const struct md_layout *l, const uint8_t *core_md, const uint8_t *exe_md, int64_t delta,
			 int64_t ro_delta, char *why, size_t len, size_t *nsame)
{
	bool ok = true;
	*nsame = 0;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(same_fields); i++) {
		if (l->same[i] == NO_FIELD)
			continue;
		uint64_t c = word_at(core_md, l->same[i]), e = word_at(exe_md, l->same[i]);
		uint64_t moved = e + (uint64_t)ro_delta;
		bool same = field_kinds[i] == SAME ? c == e : field_kinds[i] == RO ? c == moved : c == e || c == moved;
		if (same) {
			++*nsame;
		} else if (ok) {
			if (ro_delta && field_kinds[i] != SAME)
				snprintf(why, len, "moduledata.%s is 0x%" PRIx64 " in the core, 0x%" PRIx64 " + %+" PRId64
					 " in the executable", same_fields[i], c, e, ro_delta);
			else
				snprintf(why, len, "moduledata.%s is 0x%" PRIx64 " in the core, 0x%" PRIx64
					 " in the executable", same_fields[i], c, e);
			ok = false;
		}
	}
	if (!ok)
		return false;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(data_bounds); i++) {
		uint64_t c = word_at(core_md, l->bounds[i]), e = word_at(exe_md, l->bounds[i]);
		if (c != e + (uint64_t)delta) {
			snprintf(why, len, "moduledata.%s is 0x%" PRIx64 " in the core, 0x%" PRIx64 " + %+" PRId64
				 " in the executable", data_bounds[i], c, e, delta);
			return false;
		}
	}
	return true;
}

// The core's firstmoduledata: near where the rebuild has it, the words
// that hold the same text and etext, describing the same program.  If
// none, why the nearest one with that text is not it, in why.
// With moved_ro, the read-only data may have moved (by the offset of the
// pclntab header, into *ro_delta_ret); else it must not.
static bool find_core_moduledata(struct cnr_program *prog, const struct md_layout *l, uint64_t exe_addr,
				 const uint8_t *exe_md, bool moved_ro, uint64_t *ret, int64_t *ro_delta_ret, char *why,
				 size_t why_len)
{
	uint64_t text = word_at(exe_md, l->same[1]), etext = word_at(exe_md, l->same[2]);
	uint64_t lo = exe_addr > SEARCH_WINDOW ? exe_addr - SEARCH_WINDOW : 0, hi = exe_addr + SEARCH_WINDOW;
	static uint8_t page[PAGE], md[MAX_MODULEDATA];
	uint64_t best = 0, best_dist = UINT64_MAX;
	size_t most_same = 0, nsame;
	char reason[256];
	snprintf(why, why_len, "no moduledata within 1 MiB of 0x%" PRIx64 " has its text 0x%" PRIx64 "-0x%" PRIx64,
		 exe_addr, text, etext);
	for (uint64_t p = lo & ~(uint64_t)(PAGE - 1); p < hi; p += PAGE) {
		struct cnr_error *err = cnr_memory_read_core_only(&prog->mem, p, page, PAGE);
		if (err) {
			cnr_error_destroy(err);
			continue;
		}
		for (size_t off = 0; off < PAGE; off += 8) {
			if (word_at(page, off) != text || p + off < l->same[1])
				continue;
			uint64_t cand = p + off - l->same[1];
			uint64_t dist = cand > exe_addr ? cand - exe_addr : exe_addr - cand;
			if (dist >= best_dist)
				continue;
			err = cnr_memory_read_core_only(&prog->mem, cand, md, l->size);
			if (err) {
				cnr_error_destroy(err);
				continue;
			}
			if (word_at(md, l->same[2]) != etext)
				continue;
			int64_t delta = (int64_t)(word_at(md, l->bounds[0]) - word_at(exe_md, l->bounds[0]));
			int64_t ro_delta = moved_ro ? (int64_t)(word_at(md, l->same[F_PCHEADER]) -
							       word_at(exe_md, l->same[F_PCHEADER]))
						    : 0;
			if (same_program(l, md, exe_md, delta, ro_delta, reason, sizeof(reason), &nsame)) {
				best = cand;
				best_dist = dist;
				*ro_delta_ret = ro_delta;
			} else if (nsame > most_same) {
				most_same = nsame;
				snprintf(why, why_len, "%s", reason);
			}
		}
	}
	*ret = best;
	return best_dist != UINT64_MAX;
}

// The stripped binary that ran, as the core names it: an executable of
// the core's own Go build ID (not the rebuild itself); NULL if there is
// none, with why.
static struct cnr_exe *open_original(struct cnr_program *prog, char *why, size_t len)
{
	const char *path = prog->exe_path_in_core;
	struct stat a, b;
	struct cnr_exe *orig = NULL;
	snprintf(why, len, "the binary that ran ('%s') is not here", path ? path : "?");
	if (!path || stat(path, &a) != 0 || !S_ISREG(a.st_mode))
		return NULL;
	snprintf(why, len, "the binary that ran is the rebuild itself");
	if (stat(prog->exe->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return NULL;
	struct cnr_error *err = cnr_exe_open(path, &orig);
	if (err) {
		snprintf(why, len, "the binary that ran ('%s') cannot be opened: %s", path, cnr_error_message(err));
		cnr_error_destroy(err);
		return NULL;
	}
	if (orig->type != ET_EXEC || orig->arch != prog->exe->arch || orig->entry != prog->exe->entry ||
	    !orig->go_build_id || !prog->build_id_core || strcmp(orig->go_build_id, prog->build_id_core) != 0) {
		snprintf(why, len, "'%s' is not the binary that ran (its Go build ID or entry point is not the core's)", path);
		cnr_exe_destroy(orig);
		return NULL;
	}
	return orig;
}

// Whether the pclntab of the rebuild (at its moduledata exe_md) and of the
// original (at the core's, core_md) hold the same bytes: the same
// functions, files and lines at the same pcs.
static bool same_pclntab(const struct md_layout *l, const struct cnr_exe *rebuild, const uint8_t *exe_md,
			 const struct cnr_exe *orig, const uint8_t *core_md, char *why, size_t len)
{
	uint64_t e_start = word_at(exe_md, l->same[F_PCHEADER]), c_start = word_at(core_md, l->same[F_PCHEADER]);
	uint64_t e_end = word_at(exe_md, l->same[F_PCLNTABLE_ARRAY]) + word_at(exe_md, l->same[F_PCLNTABLE_LEN]);
	if (e_end <= e_start || e_end - e_start > MAX_PCLNTAB) {
		snprintf(why, len, "its pclntab 0x%" PRIx64 "-0x%" PRIx64 " is not a table", e_start, e_end);
		return false;
	}
	const uint8_t *e = exe_bytes(rebuild, e_start, e_end - e_start), *c = exe_bytes(orig, c_start, e_end - e_start);
	if (!e || !c || memcmp(e, c, e_end - e_start) != 0) {
		snprintf(why, len, "its pclntab (%" PRIu64 " bytes at 0x%" PRIx64 ") differs from the one of '%s' at 0x%" PRIx64,
			 e_end - e_start, e_start, orig->path, c_start);
		return false;
	}
	return true;
}

struct cnr_error *cnr_rebuild_verify(struct cnr_program *prog)
{
	struct cnr_exe *exe = prog->exe;
	const struct cnr_dwarf_var *v = prog->dwarf ? cnr_dwarf_global(prog->dwarf, "runtime.firstmoduledata") : NULL;
	if (!v)
		return cnr_error_create(CNR_ERROR_MISMATCH, "it has no DWARF for runtime.firstmoduledata to compare");
	// A position-independent executable's file holds its moduledata as
	// relocations, not values: nothing to compare.
	if (exe->type != ET_EXEC)
		return cnr_error_create(CNR_ERROR_MISMATCH, "it is position-independent, which coroner cannot verify");
	struct md_layout l;
	struct cnr_error *err = layout_of(prog, &l);
	if (err)
		return err;
	const uint8_t *exe_md = exe_bytes(exe, v->addr, l.size);
	if (!exe_md)
		return cnr_error_create(CNR_ERROR_MISMATCH, "its runtime.firstmoduledata is not in its file");
	uint64_t core_addr;
	int64_t ro_delta = 0;
	char why[256], why_ro[256];
	struct cnr_exe *orig = NULL;
	uint8_t md[MAX_MODULEDATA];
	if (!find_core_moduledata(prog, &l, v->addr, exe_md, false, &core_addr, &ro_delta, why, sizeof(why))) {
		// Its read-only data may have moved: then the binary that ran
		// must be here to serve it.
		if (!(orig = open_original(prog, why_ro, sizeof(why_ro))) ||
		    !find_core_moduledata(prog, &l, v->addr, exe_md, true, &core_addr, &ro_delta, why_ro, sizeof(why_ro)) ||
		    (err = cnr_memory_read_core_only(&prog->mem, core_addr, md, l.size)) ||
		    !same_pclntab(&l, exe, exe_md, orig, md, why_ro, sizeof(why_ro))) {
			cnr_exe_destroy(orig);
			if (err)
				return err;
			return cnr_error_create(CNR_ERROR_MISMATCH,
						"the core's runtime.firstmoduledata does not describe its text, pclntab and "
						"type section: %s (nor with its read-only data moved: %s)",
						why, why_ro);
		}
	}
	int64_t delta = (int64_t)(core_addr - v->addr);
	if ((err = cnr_memory_read_core_only(&prog->mem, core_addr, md, l.size))) {
		cnr_exe_destroy(orig);
		return err;
	}
	if (orig) {
		// The read-only bytes are the original's from now on.
		struct cnr_memory mem;
		if ((err = cnr_memory_init(&mem, prog->core, orig, prog->bias))) {
			cnr_exe_destroy(orig);
			return err;
		}
		cnr_memory_deinit(&prog->mem);
		prog->mem = mem;
		prog->original = orig;
		prog->rebuild_ro_delta = ro_delta;
	}
	// Everything after the build information (which records the flags)
	// moves together: the data sections, and from Go 1.27 the sections
	// before them that hold the moduledata itself (.go.fipsinfo,
	// .go.module).
	uint64_t lo = word_at(exe_md, l.bounds[0]), bi_addr, bi_size;
	const uint8_t *bi_data;
	if (v->addr < lo)
		lo = v->addr;
	if (cnr_exe_section(exe, ".go.buildinfo", &bi_addr, &bi_data, &bi_size) && bi_addr + bi_size <= lo)
		lo = bi_addr + bi_size;
	cnr_dwarf_move_globals(prog->dwarf, lo, word_at(exe_md, l.end), delta);
	prog->rebuild_data_delta = delta;
	char ro_note[PATH_NOTE];
	ro_note[0] = 0;
	if (orig)
		snprintf(ro_note, sizeof(ro_note),
			 "; read-only data %+" PRId64 " bytes, with the same pclntab: read from the binary that ran, %s",
			 ro_delta, orig->path);
	cnr_notice(prog->ctx,
		   "executable '%s' is a rebuild, not the binary that ran (Go build ID '%s', the core's '%s'): "
		   "accepted, as the core's runtime.firstmoduledata at 0x%" PRIx64 " has its text 0x%" PRIx64
		   "-0x%" PRIx64 ", pclntab 0x%" PRIx64 " and type section 0x%" PRIx64 "-0x%" PRIx64
		   " (data sections %+" PRId64 " bytes%s)",
		   exe->path, exe->go_build_id ? exe->go_build_id : "?", prog->build_id_core ? prog->build_id_core : "?",
		   core_addr, word_at(md, l.same[1]), word_at(md, l.same[2]), word_at(md, l.same[0]), word_at(md, l.same[3]),
		   word_at(md, l.same[4]), delta, ro_note);
	return NULL;
}
