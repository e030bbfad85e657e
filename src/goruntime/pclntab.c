#include "goruntime/pclntab.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/search.h"

// Sane upper bound for any pclntab sub-table; Go binaries of a few
// hundred MB have pclntabs of tens of MB.
enum { MAX_TABLE = 1u << 30, MAX_INLINE_DEPTH = 64 };

struct table {
	uint8_t *data;
	uint64_t len;
};

struct cnr_pclntab {
	struct cnr_program *prog;
	const struct cnr_rt_layout *l;
	uint64_t text, minpc, maxpc, gofunc;
	uint32_t minlc;
	struct table funcnametab, cutab, filetab, pctab, pclntable, ftab;
	uint64_t nfunc; // ftab entries minus the sentinel
	bool warned_file; // a frame's file name was unreadable (said once)
};

// Copy the []T at addr (a slice header in moduledata) into t.
static struct cnr_error *read_slice(struct cnr_program *prog, uint64_t addr, uint64_t elem, const char *name,
				    struct table *t)
{
	uint64_t hdr[3];
	struct cnr_error *err = cnr_memory_read(&prog->mem, addr, hdr, sizeof(hdr));
	if (err)
		return cnr_error_wrap(err, "cannot read moduledata.%s", name);
	if (hdr[1] > MAX_TABLE / elem)
		return cnr_error_corrupt("moduledata.%s at 0x%" PRIx64 " claims %" PRIu64 " elements", name, addr,
					 hdr[1]);
	t->len = hdr[1] * elem;
	t->data = malloc(t->len ? t->len : 1);
	if (!t->data)
		return &cnr_enomem;
	err = cnr_memory_read(&prog->mem, hdr[0], t->data, t->len);
	return err ? cnr_error_wrap(err, "cannot read moduledata.%s", name) : NULL;
}

struct cnr_error *cnr_pclntab_load(struct cnr_program *prog, const struct cnr_rt_layout *l,
				   struct cnr_pclntab **ret)
{
	const struct cnr_dwarf_var *md = cnr_dwarf_global(prog->dwarf, "runtime.firstmoduledata");
	if (!md)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no 'runtime.firstmoduledata' in the DWARF");
	uint64_t base = md->addr + prog->bias;
	struct cnr_pclntab *tab = calloc(1, sizeof(*tab));
	if (!tab)
		return &cnr_enomem;
	tab->prog = prog;
	tab->l = l;
	struct cnr_error *err = NULL;
	uint64_t pch;
	uint8_t minlc = 1;
	if ((err = cnr_memory_read_u64(&prog->mem, base + l->md_text, &tab->text)) ||
	    (err = cnr_memory_read_u64(&prog->mem, base + l->md_minpc, &tab->minpc)) ||
	    (err = cnr_memory_read_u64(&prog->mem, base + l->md_maxpc, &tab->maxpc)) ||
	    (err = cnr_memory_read_u64(&prog->mem, base + l->md_gofunc, &tab->gofunc)) ||
	    (err = cnr_memory_read_u64(&prog->mem, base + l->md_pcheader, &pch))) {
		err = cnr_error_wrap(err, "cannot read runtime.firstmoduledata at 0x%" PRIx64, base);
		goto fail;
	}
	// The header pointer comes from the core: say what it held, not an
	// address computed from garbage.
	if (pch + l->pch_minlc < pch || !cnr_memory_find(&prog->mem, pch)) {
		err = cnr_error_corrupt("cannot read the pclntab header: runtime.firstmoduledata.pcHeader holds 0x%" PRIx64
					", which is not an address in the process",
					pch);
		goto fail;
	}
	if ((err = cnr_memory_read(&prog->mem, pch + l->pch_minlc, &minlc, 1))) {
		err = cnr_error_wrap(err, "cannot read the pclntab header at 0x%" PRIx64 " (runtime.firstmoduledata.pcHeader)",
				     pch);
		goto fail;
	}
	tab->minlc = minlc ? minlc : 1;
	if ((err = read_slice(prog, base + l->md_funcnametab, 1, "funcnametab", &tab->funcnametab)) ||
	    (err = read_slice(prog, base + l->md_cutab, 4, "cutab", &tab->cutab)) ||
	    (err = read_slice(prog, base + l->md_filetab, 1, "filetab", &tab->filetab)) ||
	    (err = read_slice(prog, base + l->md_pctab, 1, "pctab", &tab->pctab)) ||
	    (err = read_slice(prog, base + l->md_pclntable, 1, "pclntable", &tab->pclntable)) ||
	    (err = read_slice(prog, base + l->md_ftab, 8, "ftab", &tab->ftab)))
		goto fail;
	if (tab->ftab.len < 16) {
		err = cnr_error_corrupt("moduledata.ftab at 0x%" PRIx64 " is empty", base + l->md_ftab);
		goto fail;
	}
	tab->nfunc = tab->ftab.len / 8 - 1;
	*ret = tab;
	return NULL;
fail:
	cnr_pclntab_destroy(tab);
	return err;
}

void cnr_pclntab_destroy(struct cnr_pclntab *tab)
{
	if (!tab)
		return;
	free(tab->funcnametab.data);
	free(tab->cutab.data);
	free(tab->filetab.data);
	free(tab->pctab.data);
	free(tab->pclntable.data);
	free(tab->ftab.data);
	free(tab);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

// A NUL-terminated string at off in t, or "?" if off is outside it or
// the string is unterminated.
static const char *string_at(const struct table *t, uint64_t off)
{
	if (off >= t->len || !memchr(t->data + off, 0, t->len - off))
		return "?";
	return (const char *)t->data + off;
}

static bool decode_func(struct cnr_pclntab *tab, uint64_t off, struct cnr_func *f)
{
	const struct cnr_rt_layout *l = tab->l;
	if (off > tab->pclntable.len || l->func_size > tab->pclntable.len - off)
		return false;
	const uint8_t *p = tab->pclntable.data + off;
	f->off = off;
	f->entry = tab->text + u32_at(p + l->func_entryoff);
	f->name = string_at(&tab->funcnametab, u32_at(p + l->func_nameoff));
	f->args = (int32_t)u32_at(p + l->func_args);
	f->pcsp = u32_at(p + l->func_pcsp);
	f->pcfile = u32_at(p + l->func_pcfile);
	f->pcln = u32_at(p + l->func_pcln);
	f->npcdata = u32_at(p + l->func_npcdata);
	f->cuoffset = u32_at(p + l->func_cuoffset);
	f->funcid = p[l->func_funcid];
	f->flag = p[l->func_flag];
	f->nfuncdata = p[l->func_nfuncdata];
	return true;
}

bool cnr_pclntab_find(struct cnr_pclntab *tab, uint64_t pc, struct cnr_func *ret)
{
	if (pc < tab->minpc || pc >= tab->maxpc || pc < tab->text)
		return false;
	uint64_t rel = pc - tab->text;
	// ftab is sorted by entryoff; find the last entry <= rel.
	uint64_t lo = (uint64_t)CNR_PARTITION_POINT(tab->nfunc, mid, u32_at(tab->ftab.data + 8 * mid) <= rel);
	if (lo == 0)
		return false;
	uint32_t funcoff = u32_at(tab->ftab.data + 8 * (lo - 1) + 4);
	return decode_func(tab, funcoff, ret);
}

static bool read_uvarint(const struct table *t, uint64_t *pos, uint32_t *ret)
{
	uint32_t v = 0;
	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (*pos >= t->len)
			return false;
		uint8_t b = t->data[(*pos)++];
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

struct cnr_error *cnr_pclntab_pcvalue(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t table_off,
				      uint64_t targetpc, int32_t *ret)
{
	// runtime/symtab.go: pcvalue and step.
	uint64_t pos = table_off, pc = f->entry;
	int32_t val = -1;
	for (bool first = true;; first = false) {
		uint32_t uvdelta, pcdelta;
		if (!read_uvarint(&tab->pctab, &pos, &uvdelta))
			break;
		if (uvdelta == 0 && !first)
			break;
		int32_t vdelta = (uvdelta & 1) ? (int32_t) ~(uvdelta >> 1) : (int32_t)(uvdelta >> 1);
		if (!read_uvarint(&tab->pctab, &pos, &pcdelta))
			break;
		// Go's int32 wraps; a damaged table must not be C's signed overflow.
		val = (int32_t)((uint32_t)val + (uint32_t)vdelta);
		pc += (uint64_t)pcdelta * tab->minlc;
		if (targetpc < pc) {
			*ret = val;
			return NULL;
		}
	}
	return cnr_error_corrupt("pcvalue table at pctab+0x%x of '%s' has no entry for pc 0x%" PRIx64, table_off,
				 f->name, targetpc);
}

struct cnr_error *cnr_pclntab_pcdata(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t idx, uint64_t pc,
				     int32_t *ret)
{
	*ret = -1;
	if (idx >= f->npcdata)
		return NULL;
	uint64_t off = f->off + tab->l->func_size + 4ULL * idx;
	if (off + 4 > tab->pclntable.len)
		return cnr_error_corrupt("pcdata %u of '%s' lies outside the pclntab", idx, f->name);
	uint32_t table = u32_at(tab->pclntable.data + off);
	if (table == 0)
		return NULL;
	return cnr_pclntab_pcvalue(tab, f, table, pc, ret);
}

struct cnr_error *cnr_pclntab_funcdata(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t idx,
				       uint64_t *ret)
{
	*ret = 0;
	if (idx >= f->nfuncdata)
		return NULL;
	uint64_t off = f->off + tab->l->func_size + 4ULL * f->npcdata + 4ULL * idx;
	if (off + 4 > tab->pclntable.len)
		return cnr_error_corrupt("funcdata %u of '%s' lies outside the pclntab", idx, f->name);
	uint32_t v = u32_at(tab->pclntable.data + off);
	if (v != UINT32_MAX)
		*ret = tab->gofunc + v;
	return NULL;
}

static struct cnr_error *file_line(struct cnr_pclntab *tab, const struct cnr_func *f, uint64_t pc,
				   const char **file, int32_t *line)
{
	int32_t fileno;
	struct cnr_error *err = cnr_pclntab_pcvalue(tab, f, f->pcfile, pc, &fileno);
	if (!err)
		err = cnr_pclntab_pcvalue(tab, f, f->pcln, pc, line);
	if (err)
		return err;
	uint64_t cu = (uint64_t)f->cuoffset + (uint64_t)(uint32_t)fileno;
	// runtime/symtab.go funcfile: file -1 is "?" by design; anything else
	// that names no file is damage, said once rather than printed empty.
	*file = "?";
	if (fileno < 0)
		return NULL;
	const char *name = 4 * cu + 4 > tab->cutab.len ? "" : string_at(&tab->filetab, u32_at(tab->cutab.data + 4 * cu));
	if (*name && strcmp(name, "?") != 0) {
		*file = name;
		return NULL;
	}
	if (!tab->warned_file) {
		tab->warned_file = true;
		cnr_warn(tab->prog->ctx, "pclntab: function %s at pc 0x%" PRIx64 " names file %" PRId32
			 " of its compilation unit, which the cutab/filetab do not hold; such files are shown as '?'",
			 f->name ? f->name : "?", pc, fileno);
	}
	return NULL;
}

struct cnr_error *cnr_pclntab_source_frames(struct cnr_pclntab *tab, const struct cnr_func *f, uint64_t pc,
					    struct cnr_source_frame *frames, size_t max, size_t *n_ret)
{
	// runtime/symtabinl.go (1.21+), gentraceback (1.19): walk the inline
	// tree from the innermost call; each level's file:line comes from the
	// physical function's tables at the current pc, and the parent level
	// is found at entry + parentPc.
	const struct cnr_rt_layout *l = tab->l;
	uint64_t inltree = 0;
	size_t n = 0;
	struct cnr_error *err = cnr_pclntab_funcdata(tab, f, CNR_FUNCDATA_INL_TREE, &inltree);
	for (int depth = 0; !err && n < max; depth++) {
		int32_t ix = -1;
		if (inltree && depth < MAX_INLINE_DEPTH) {
			err = cnr_pclntab_pcdata(tab, f, CNR_PCDATA_INL_TREE_INDEX, pc, &ix);
			if (err)
				break;
		}
		// A frame counts only once it is whole: callers may use what came
		// before an error.
		struct cnr_source_frame *sf = &frames[n];
		*sf = (struct cnr_source_frame){ .function = f->name, .file = "?" };
		err = file_line(tab, f, pc, &sf->file, &sf->line);
		if (err)
			break;
		n++;
		if (ix < 0) {
			sf->function = f->name;
			sf->inlined = false;
			break;
		}
		uint8_t rec[64];
		uint64_t size = l->inl_size < sizeof(rec) ? l->inl_size : sizeof(rec);
		err = cnr_memory_read(&tab->prog->mem, inltree + (uint64_t)ix * l->inl_size, rec, size);
		if (err) {
			n--; // its name is unknown
			break;
		}
		sf->function = string_at(&tab->funcnametab, u32_at(rec + l->inl_nameoff));
		sf->inlined = true;
		pc = f->entry + u32_at(rec + l->inl_parentpc);
	}
	*n_ret = n;
	return err;
}
