// Runtime struct layouts from the executable's DWARF: the field offsets
// and constants coroner reads, under every name Go gave them, and the
// probes for runtime type names and shapes that changed between releases.
#include "goruntime/layout.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "goruntime/program.h"

struct field_spec {
	const char *type;
	const char *path; // dotted; "a|b" lists names Go used in different releases
	size_t out;       // offsetof(struct cnr_rt_layout, ...)
};

#define F(type, path, member) { type, path, offsetof(struct cnr_rt_layout, member) }

static const struct field_spec fields[] = {
	F("runtime.moduledata", "pcHeader", md_pcheader),
	F("runtime.moduledata", "funcnametab", md_funcnametab),
	F("runtime.moduledata", "cutab", md_cutab),
	F("runtime.moduledata", "filetab", md_filetab),
	F("runtime.moduledata", "pctab", md_pctab),
	F("runtime.moduledata", "pclntable", md_pclntable),
	F("runtime.moduledata", "ftab", md_ftab),
	F("runtime.moduledata", "minpc", md_minpc),
	F("runtime.moduledata", "maxpc", md_maxpc),
	F("runtime.moduledata", "text", md_text),
	F("runtime.moduledata", "etext", md_etext),
	F("runtime.moduledata", "gofunc", md_gofunc),
	F("runtime.moduledata", "next", md_next),
	F("runtime.moduledata", "types", md_types),
	F("runtime.moduledata", "etypes", md_etypes),
	// runtime/symtab.go (1.19) entryoff/nameoff; runtime2.go (1.21+) entryOff/nameOff
	F("runtime._func", "entryOff|entryoff", func_entryoff),
	F("runtime._func", "nameOff|nameoff", func_nameoff),
	F("runtime._func", "args", func_args),
	F("runtime._func", "pcsp", func_pcsp),
	F("runtime._func", "pcfile", func_pcfile),
	F("runtime._func", "pcln", func_pcln),
	F("runtime._func", "npcdata", func_npcdata),
	F("runtime._func", "cuOffset", func_cuoffset),
	F("runtime._func", "funcID", func_funcid),
	F("runtime._func", "flag", func_flag),
	F("runtime._func", "nfuncdata", func_nfuncdata),
	// runtime/symtab.go (1.19) func_; runtime/symtabinl.go (1.21+) nameOff
	F("runtime.inlinedCall", "nameOff|func_", inl_nameoff),
	F("runtime.inlinedCall", "parentPc", inl_parentpc),
	F("runtime.pcHeader", "minLC", pch_minlc),
	F("runtime.g", "stack.lo", g_stack_lo),
	F("runtime.g", "stack.hi", g_stack_hi),
	F("runtime.g", "m", g_m),
	F("runtime.g", "sched.sp", g_sched_sp),
	F("runtime.g", "sched.pc", g_sched_pc),
	F("runtime.g", "sched.bp", g_sched_bp),
	F("runtime.g", "sched.lr", g_sched_lr),
	F("runtime.g", "syscallsp", g_syscallsp),
	F("runtime.g", "syscallpc", g_syscallpc),
	F("runtime.g", "atomicstatus", g_atomicstatus),
	F("runtime.g", "goid", g_goid),
	F("runtime.g", "waitsince", g_waitsince),
	F("runtime.g", "waitreason", g_waitreason),
	F("runtime.g", "gopc", g_gopc),
	F("runtime.g", "startpc", g_startpc),
	F("runtime.g", "waiting", g_waiting),
	F("runtime.m", "g0", m_g0),
	F("runtime.m", "curg", m_curg),
	F("runtime.m", "procid", m_procid),
	F("runtime.m", "alllink", m_alllink),
	F("runtime.m", "gsignal", m_gsignal),
	F("runtime.sudog", "g", sudog_g),
	F("runtime.sudog", "next", sudog_next),
	F("runtime.sudog", "elem", sudog_elem),
	F("runtime.sudog", "c", sudog_c),
	F("runtime.sudog", "waitlink", sudog_waitlink),
	F("runtime.sudog", "isSelect", sudog_isselect),
	F("runtime.hchan", "qcount", hchan_qcount),
	F("runtime.hchan", "dataqsiz", hchan_dataqsiz),
	F("runtime.hchan", "buf", hchan_buf),
	F("runtime.hchan", "elemsize", hchan_elemsize),
	F("runtime.hchan", "closed", hchan_closed),
	F("runtime.hchan", "elemtype", hchan_elemtype),
	F("runtime.hchan", "recvq", hchan_recvq),
	F("runtime.hchan", "sendq", hchan_sendq),
	F("runtime.waitq", "first", waitq_first),
};

// The byte size of type.field, 0 if the DWARF does not say.
static uint64_t field_size(const struct cnr_dwarf *dw, const char *type, const char *field)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, type);
	const struct cnr_dwarf_field *f = t ? cnr_dwarf_field(dw, t, field) : NULL;
	const struct cnr_dwarf_type *ft = f ? cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, f->type_offset)) : NULL;
	return ft && ft->has_size ? ft->size : 0;
}

// The same, a word if the DWARF does not say (Go gives pointers no size).
static uint64_t type_size(const struct cnr_dwarf *dw, const char *type, const char *field)
{
	uint64_t size = field_size(dw, type, field);
	return size ? size : 8;
}

struct cnr_error *cnr_rt_layout_init(struct cnr_rt_layout *l, const struct cnr_dwarf *dw)
{
	// runtime/type.go (1.19) names the type descriptor runtime._type with
	// lower-case fields; internal/abi/type.go (1.21+) abi.Type.
	static const struct {
		const char *path;
		size_t out;
	} type_fields[] = {
		{ "Size_|size", offsetof(struct cnr_rt_layout, type_size_) },
		{ "PtrBytes|ptrdata", offsetof(struct cnr_rt_layout, type_ptrdata) },
		{ "TFlag|tflag", offsetof(struct cnr_rt_layout, type_tflag) },
		{ "Kind_|kind", offsetof(struct cnr_rt_layout, type_kind) },
		{ "GCData|gcdata", offsetof(struct cnr_rt_layout, type_gcdata) },
		{ "Str|str", offsetof(struct cnr_rt_layout, type_str) },
	};
	const char *type_name = cnr_dwarf_type_by_name(dw, "internal/abi.Type") ? "internal/abi.Type" : "runtime._type";
	for (size_t i = 0; i < CNR_ARRAY_SIZE(type_fields); i++) {
		uint64_t off;
		struct cnr_error *err = cnr_dwarf_offsetof(dw, type_name, type_fields[i].path, &off);
		if (err)
			return err;
		*(uint64_t *)((char *)l + type_fields[i].out) = off;
	}
	for (size_t i = 0; i < CNR_ARRAY_SIZE(fields); i++) {
		uint64_t off;
		struct cnr_error *err = cnr_dwarf_offsetof(dw, fields[i].type, fields[i].path, &off);
		if (err)
			return err;
		*(uint64_t *)((char *)l + fields[i].out) = off;
	}
	// runtime/runtime2.go: g.parentGoid exists from 1.21 (1.20?).
	struct cnr_error *err = cnr_dwarf_offsetof(dw, "runtime.g", "parentGoid", &l->g_parentgoid);
	l->has_parentgoid = !err;
	cnr_error_destroy(err);
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, "runtime._func");
	l->func_size = t && t->has_size ? t->size : 0;
	t = cnr_dwarf_type_by_name(dw, "runtime.g");
	l->g_size = t && t->has_size ? t->size : 0;
	t = cnr_dwarf_type_by_name(dw, "runtime.inlinedCall");
	l->inl_size = t && t->has_size ? t->size : 0;
	if (!l->func_size || !l->g_size || !l->inl_size)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
					"DWARF lacks the size of runtime._func, runtime.g or runtime.inlinedCall");
	// Goroutine wrappers (go f(x) closures) are hidden by Go's traceback
	// (runtime/traceback.go showframe); the value differs by release.
	if (!cnr_dwarf_constant(dw, "internal/abi.FuncIDWrapper", &l->funcid_wrapper) &&
	    !cnr_dwarf_constant(dw, "runtime.funcID_wrapper", &l->funcid_wrapper))
		l->funcid_wrapper = -1;
	// 1.26 runtime/runtime2.go: sudog.elem and sudog.c became
	// maybeTraceablePtr{vp, vu}; the address is vu, the second word.
	l->sudog_elem_addr = l->sudog_elem + (type_size(dw, "runtime.sudog", "elem") == 16 ? 8 : 0);
	l->sudog_c_addr = l->sudog_c + (type_size(dw, "runtime.sudog", "c") == 16 ? 8 : 0);
	return NULL;
}

struct cnr_error *cnr_gstatus_layout_init(struct cnr_program *prog, struct cnr_gstatus_layout *l)
{
	struct cnr_error *err;
	if ((err = cnr_program_constant(prog, "runtime._Gidle", &l->gidle)) ||
	    (err = cnr_program_constant(prog, "runtime._Grunning", &l->grunning)) ||
	    (err = cnr_program_constant(prog, "runtime._Gsyscall", &l->gsyscall)) ||
	    (err = cnr_program_constant(prog, "runtime._Gwaiting", &l->gwaiting)) ||
	    (err = cnr_program_constant(prog, "runtime._Gdead", &l->gdead)) ||
	    (err = cnr_program_constant(prog, "runtime._Gscan", &l->gscan)))
		return err;
	// runtime/runtime2.go (1.26+): _Gdeadextra, a dead g kept for cgo.
	err = cnr_program_constant(prog, "runtime._Gdeadextra", &l->gdeadextra);
	if (err) {
		cnr_error_destroy(err);
		l->gdeadextra = -1;
	}
	return NULL;
}

struct cnr_error *cnr_specials_layout_init(struct cnr_program *prog, struct cnr_specials_layout *l)
{
	const struct cnr_dwarf *dw = prog->dwarf;
	struct cnr_error *err;
	if ((err = cnr_dwarf_offsetof(dw, "runtime.mspan", "specials", &l->span_specials)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.mspan", "startAddr", &l->span_start)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.mspan", "elemsize", &l->span_elemsize)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.mspan", "state", &l->span_state)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.special", "next", &l->sp_next)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.special", "offset", &l->sp_offset)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.special", "kind", &l->sp_kind)) ||
	    (err = cnr_program_constant(prog, "runtime.mSpanInUse", &l->in_use)))
		return err;
	// runtime/mheap.go: special.offset is uint16 up to 1.23, uintptr from 1.24.
	l->sp_offset_size = field_size(dw, "runtime.special", "offset");
	if (l->sp_offset_size != 2 && l->sp_offset_size != 8)
		return cnr_error_corrupt("runtime.special.offset is %" PRIu64 " bytes", l->sp_offset_size);
	return NULL;
}

struct cnr_error *cnr_special_roots_layout_init(struct cnr_program *prog, struct cnr_special_roots_layout *l)
{
	const struct cnr_dwarf *dw = prog->dwarf;
	struct cnr_error *err;
	// Releases without weak handles or cleanups return early: their
	// fields stay false.
	memset(l, 0, sizeof(*l));
	if ((err = cnr_dwarf_offsetof(dw, "runtime.specialfinalizer", "fn", &l->fin_fn)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.specialfinalizer", "ot", &l->fin_ot)) ||
	    (err = cnr_program_constant(prog, "runtime._KindSpecialFinalizer", &l->kind_finalizer)))
		return err;
	// Weak handles exist from Go 1.23 (runtime/mheap.go specialWeakHandle;
	// runtime/mgcmark.go markrootSpans marks .handle): the DWARF has them or not.
	l->kind_weak = -1;
	if (cnr_dwarf_constant(dw, "runtime._KindSpecialWeakHandle", &l->kind_weak) &&
	    (err = cnr_dwarf_offsetof(dw, "runtime.specialWeakHandle", "handle", &l->weak_handle))) {
		cnr_error_destroy(err);
		l->kind_weak = -1;
	}
	// Cleanups exist from Go 1.24 (runtime.AddCleanup): the DWARF has them
	// or not; specialCleanup.fn (1.24-1.25) or .cleanup.fn (1.26+).
	l->kind_cleanup = -1;
	if (!cnr_dwarf_constant(dw, "runtime._KindSpecialCleanup", &l->kind_cleanup))
		return NULL;
	if ((err = cnr_dwarf_offsetof(dw, "runtime.specialCleanup", "fn", &l->cleanup_fn))) {
		cnr_error_destroy(err);
		if ((err = cnr_dwarf_offsetof(dw, "runtime.specialCleanup", "cleanup.fn", &l->cleanup_fn)))
			return cnr_error_wrap(err, "cleanups");
	}
	err = cnr_dwarf_offsetof(dw, "runtime.specialCleanup", "cleanup.arg", &l->cleanup_arg);
	l->has_cleanup_arg = !err;
	cnr_error_destroy(err);
	l->has_cleanup = true;
	return NULL;
}

// The offset of the innermost "value" field: atomic.UnsafePointer and
// atomic.Uint32 wrap their word as {_ noCopy; value T}, mProfCycleHolder
// wraps an atomic.Uint32 as value.
static uint64_t value_offset(const struct cnr_dwarf *dw, uint64_t type_offset)
{
	uint64_t off = 0;
	const struct cnr_dwarf_type *t = cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, type_offset));
	for (int depth = 0; t && depth < 4; depth++) {
		const struct cnr_dwarf_field *f = cnr_dwarf_field(dw, t, "value");
		if (!f)
			break;
		off += f->offset;
		t = cnr_dwarf_type_strip(dw, cnr_dwarf_type_at(dw, f->type_offset));
	}
	return off;
}

struct cnr_error *cnr_mprof_layout_init(struct cnr_mprof_layout *l, const struct cnr_dwarf *dw)
{
	static const struct {
		const char *type, *path;
		size_t out;
	} mfields[] = {
		{ "runtime.bucket", "allnext", offsetof(struct cnr_mprof_layout, b_allnext) },
		{ "runtime.bucket", "typ", offsetof(struct cnr_mprof_layout, b_typ) },
		{ "runtime.bucket", "size", offsetof(struct cnr_mprof_layout, b_size) },
		{ "runtime.bucket", "nstk", offsetof(struct cnr_mprof_layout, b_nstk) },
		{ "runtime.memRecord", "active", offsetof(struct cnr_mprof_layout, mr_active) },
		{ "runtime.memRecord", "future", offsetof(struct cnr_mprof_layout, mr_future) },
		{ "runtime.memRecordCycle", "allocs", offsetof(struct cnr_mprof_layout, c_allocs) },
		{ "runtime.memRecordCycle", "frees", offsetof(struct cnr_mprof_layout, c_frees) },
		{ "runtime.specialprofile", "b", offsetof(struct cnr_mprof_layout, sp_bucket) },
	};
	struct cnr_error *err;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(mfields); i++) {
		uint64_t off;
		if ((err = cnr_dwarf_offsetof(dw, mfields[i].type, mfields[i].path, &off)))
			return err;
		*(uint64_t *)((char *)l + mfields[i].out) = off;
	}
	// runtime/mprof.go: memRecordCycle{allocs, frees, alloc_bytes,
	// free_bytes} up to 1.26; 1.27 keeps the counts only and
	// MemProfile derives the bytes as count * bucket.size.
	err = cnr_dwarf_offsetof(dw, "runtime.memRecordCycle", "alloc_bytes", &l->c_alloc_bytes);
	if (!err)
		err = cnr_dwarf_offsetof(dw, "runtime.memRecordCycle", "free_bytes", &l->c_free_bytes);
	l->has_bytes = !err;
	cnr_error_destroy(err);
	l->bucket_size = cnr_dwarf_type_size(dw, cnr_dwarf_type_by_name(dw, "runtime.bucket"));
	l->cycle_size = cnr_dwarf_type_size(dw, cnr_dwarf_type_by_name(dw, "runtime.memRecordCycle"));
	l->typ_size = type_size(dw, "runtime.bucket", "typ");
	const struct cnr_dwarf_var *mb = cnr_dwarf_global(dw, "runtime.mbuckets");
	const struct cnr_dwarf_var *cy = cnr_dwarf_global(dw, "runtime.mProfCycle");
	if (!l->bucket_size || !l->cycle_size || !mb || !cy || (l->typ_size != 4 && l->typ_size != 8) ||
	    !cnr_dwarf_constant(dw, "runtime._KindSpecialProfile", &l->kind_profile))
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
					"DWARF lacks runtime.bucket, runtime.memRecordCycle, runtime.mbuckets, "
					"runtime.mProfCycle or runtime._KindSpecialProfile");
	l->mbuckets_value = value_offset(dw, mb->type_offset);
	l->cycle_value = value_offset(dw, cy->type_offset);
	if (!cnr_dwarf_constant(dw, "runtime.memProfile", &l->mem_profile))
		l->mem_profile = -1;
	return NULL;
}

static bool has_type(const struct cnr_dwarf *dw, const char *name)
{
	return cnr_dwarf_type_by_name(dw, name) != NULL;
}

const char *cnr_layout_itab_type(const struct cnr_dwarf *dw)
{
	return has_type(dw, "internal/abi.ITab") ? "internal/abi.ITab" : "runtime.itab";
}

const char *cnr_layout_map_type(const struct cnr_dwarf *dw, bool swiss)
{
	if (swiss)
		return has_type(dw, "internal/abi.SwissMapType") ? "internal/abi.SwissMapType" : "internal/abi.MapType";
	return has_type(dw, "internal/abi.OldMapType") ? "internal/abi.OldMapType"
	       : has_type(dw, "internal/abi.MapType")  ? "internal/abi.MapType"
						       : "runtime.maptype";
}

const struct cnr_dwarf_var *cnr_layout_size_class_table(const struct cnr_dwarf *dw)
{
	const struct cnr_dwarf_var *v = cnr_dwarf_global(dw, "runtime.class_to_size");
	return v ? v : cnr_dwarf_global(dw, "internal/runtime/gc.SizeClassToSize");
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool cnr_layout_map_internal(const char *n)
{
	if (has_prefix(n, "[...]"))
		n += 5;
	if (has_prefix(n, "*"))
		n += 1;
	return has_prefix(n, "bucket<") || has_prefix(n, "map.bucket[") || has_prefix(n, "table<") ||
	       has_prefix(n, "internal/runtime/maps.table") || has_prefix(n, "noalg.map.group[") ||
	       has_prefix(n, "runtime.mapextra") || has_prefix(n, "runtime.bmap");
}

bool cnr_layout_sync_node_record(const char *node_name, bool is_entry, char *buf, size_t n)
{
	static const char node[] = "internal/sync.node";
	if (!node_name || !has_prefix(node_name, node))
		return false;
	int len = snprintf(buf, n, "internal/sync.%s%s", is_entry ? "entry" : "indirect", node_name + strlen(node));
	return len >= 0 && (size_t)len < n;
}

enum cnr_rt_shape cnr_layout_type_shape(const char *name)
{
	static const struct {
		const char *prefix;
		enum cnr_rt_shape shape;
	} shapes[] = {
		{ "map<", CNR_RT_SWISS_MAP },
		{ "groupReference<", CNR_RT_GROUP_REF },
		{ "noalg.map.group[", CNR_RT_SWISS_GROUP },
		{ "hash<", CNR_RT_HMAP },
		{ "bucket<", CNR_RT_HMAP_BUCKET },
		{ "map.bucket[", CNR_RT_RTYPE_BUCKET },
		{ "hchan<", CNR_RT_HCHAN },
		{ "internal/sync.node[", CNR_RT_SYNC_NODE },
	};
	if (!name)
		return CNR_RT_OTHER;
	if (strcmp(name, "runtime.bmap") == 0)
		return CNR_RT_BMAP;
	for (size_t i = 0; i < CNR_ARRAY_SIZE(shapes); i++) {
		if (strncmp(name, shapes[i].prefix, strlen(shapes[i].prefix)) == 0)
			return shapes[i].shape;
	}
	return CNR_RT_OTHER;
}
