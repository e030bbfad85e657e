// Offsets of the runtime fields coroner reads, resolved once from the
// executable's DWARF (never hard-coded: STYLE.md §8).  Names that Go
// changed between releases are listed as alternatives in layout.c.
#ifndef CNR_GORUNTIME_LAYOUT_H
#define CNR_GORUNTIME_LAYOUT_H

#include "dwarf/dwarf_index.h"

struct cnr_rt_layout {
	// runtime.moduledata
	uint64_t md_pcheader, md_funcnametab, md_cutab, md_filetab, md_pctab, md_pclntable, md_ftab;
	uint64_t md_minpc, md_maxpc, md_text, md_etext, md_gofunc, md_next, md_types, md_etypes;
	// runtime._type (1.19) / internal/abi.Type (1.21+)
	uint64_t type_size_, type_ptrdata, type_tflag, type_kind, type_gcdata, type_str;
	// runtime._func
	uint64_t func_size;
	uint64_t func_entryoff, func_nameoff, func_args, func_pcsp, func_pcfile, func_pcln, func_npcdata;
	uint64_t func_cuoffset, func_funcid, func_flag, func_nfuncdata;
	// runtime.inlinedCall (the inline tree records of FUNCDATA_InlTree)
	uint64_t inl_size, inl_nameoff, inl_parentpc;
	// FuncIDWrapper: runtime.funcID_wrapper (1.19) /
	// internal/abi.FuncIDWrapper (1.21+); -1 if absent.
	int64_t funcid_wrapper;
	// runtime.pcHeader
	uint64_t pch_minlc;
	// runtime.g
	uint64_t g_stack_lo, g_stack_hi, g_m, g_sched_sp, g_sched_pc, g_sched_bp, g_sched_lr, g_syscallsp, g_syscallpc;
	uint64_t g_atomicstatus, g_goid, g_waitsince, g_waitreason, g_gopc, g_startpc, g_waiting;
	uint64_t g_parentgoid; // 0 if absent (1.19)
	bool has_parentgoid;
	uint64_t g_size;
	// runtime.m
	uint64_t m_g0, m_curg, m_procid, m_alllink, m_gsignal;
	// runtime.sudog
	uint64_t sudog_elem, sudog_c, sudog_waitlink, sudog_isselect;
	// The address words of sudog.elem and sudog.c: the fields themselves,
	// or the second word (vu) of a maybeTraceablePtr (1.26+).
	uint64_t sudog_elem_addr, sudog_c_addr;
	// runtime.hchan
	uint64_t hchan_qcount, hchan_dataqsiz, hchan_buf, hchan_elemsize, hchan_closed, hchan_elemtype;
	uint64_t hchan_recvq, hchan_sendq;
	// runtime.waitq
	uint64_t waitq_first;
	// runtime.sudog.next (channel queue link)
	uint64_t sudog_next, sudog_g;
};

struct cnr_error *cnr_rt_layout_init(struct cnr_rt_layout *l, const struct cnr_dwarf *dw);

struct cnr_program;

// The goroutine status constants (runtime/runtime2.go _G*).
struct cnr_gstatus_layout {
	int64_t gidle, grunning, gsyscall, gwaiting, gdead, gscan;
	int64_t gdeadextra; // a dead g kept for cgo (1.26+); -1 if the release has none
};

struct cnr_error *cnr_gstatus_layout_init(struct cnr_program *prog, struct cnr_gstatus_layout *l);

// What the walk over the spans' specials reads (runtime/mheap.go mspan,
// special).
struct cnr_specials_layout {
	uint64_t span_specials, span_start, span_elemsize, span_state;
	uint64_t sp_next, sp_offset, sp_kind;
	uint64_t sp_offset_size; // special.offset: uint16 (up to 1.23) or uintptr (1.24+)
	int64_t in_use;          // runtime.mSpanInUse
};

struct cnr_error *cnr_specials_layout_init(struct cnr_program *prog, struct cnr_specials_layout *l);

// The specials that hold roots (runtime/mgcmark.go markrootSpans):
// finalizers; weak handles (1.23+); cleanups (1.24+), whose
// specialCleanup.fn is the closure that calls the cleanup with its arg
// (1.24-1.25) or, from 1.26, specialCleanup.cleanup a cleanupFn{call, fn,
// arg} (runtime/mcleanup.go) holding the user's function and the arg apart.
struct cnr_special_roots_layout {
	uint64_t fin_fn, fin_ot, cleanup_fn, cleanup_arg, weak_handle;
	int64_t kind_finalizer, kind_cleanup, kind_weak; // -1 if the release has none
	bool has_cleanup;
	bool has_cleanup_arg; // 1.26+: cleanup_arg is the arg; else fn is a closure capturing "cleanup"
};

// Releases without weak handles or cleanups get kind -1 and has_* false.
// An error about cleanups is wrapped as "cleanups".
struct cnr_error *cnr_special_roots_layout_init(struct cnr_program *prog, struct cnr_special_roots_layout *l);

// The heap profile's structures (runtime/mprof.go, runtime/mheap.go),
// resolved on demand: only `allocs`, `pprof` and the joins read them.
struct cnr_mprof_layout {
	uint64_t bucket_size;                       // sizeof(runtime.bucket): the stack follows it
	uint64_t b_allnext, b_typ, b_size, b_nstk;  // runtime.bucket
	uint64_t mr_active, mr_future, cycle_size;  // runtime.memRecord, sizeof(memRecordCycle)
	uint64_t c_allocs, c_frees, c_alloc_bytes, c_free_bytes; // runtime.memRecordCycle
	bool has_bytes;        // memRecordCycle.alloc_bytes/free_bytes (gone in 1.27: count * size)
	uint64_t typ_size;     // size of bucket.typ (bucketType, an int)
	uint64_t sp_bucket;    // runtime.specialprofile.b
	// Offsets of the word inside runtime.mbuckets (atomic.UnsafePointer
	// from 1.19) and of the uint32 inside runtime.mProfCycle
	// (mProfCycleHolder{value atomic.Uint32}).
	uint64_t mbuckets_value, cycle_value;
	int64_t kind_profile;  // runtime._KindSpecialProfile
	int64_t mem_profile;   // runtime.memProfile (bucketType), -1 if the DWARF lacks it
};

struct cnr_error *cnr_mprof_layout_init(struct cnr_mprof_layout *l, const struct cnr_dwarf *dw);
// Runtime type names Go changed between releases, probed in the DWARF.
// The itab: internal/abi.ITab (1.23+), runtime.itab before.
const char *cnr_layout_itab_type(const struct cnr_dwarf *dw);
// The map type descriptor of Swiss maps (swiss) or the old hash maps:
// internal/abi.SwissMapType (1.24-1.25) or internal/abi.MapType (1.26+);
// runtime.maptype (1.19), internal/abi.MapType (1.21-1.23) or
// internal/abi.OldMapType (1.24-1.25 with noswissmap).
const char *cnr_layout_map_type(const struct cnr_dwarf *dw, bool swiss);

// The runtime's table of size class sizes ([]uint16): runtime.class_to_size
// (up to 1.24) or internal/runtime/gc.SizeClassToSize (1.25+); NULL if
// the DWARF has neither.
const struct cnr_dwarf_var *cnr_layout_size_class_table(const struct cnr_dwarf *dw);

// The types the compiler makes for the runtime's containers, known by the
// shape of their names (cmd/compile/internal/reflectdata), which differ by
// release: the typing follows their internals.
enum cnr_rt_shape {
	CNR_RT_OTHER,
	CNR_RT_SWISS_MAP,    // "map<K,V>": internal/runtime/maps.Map (1.24+)
	CNR_RT_GROUP_REF,    // "groupReference<K,V>": a Swiss table's groups
	CNR_RT_SWISS_GROUP,  // "noalg.map.group[K]V": one group of slots
	CNR_RT_HMAP,         // "hash<K,V>": runtime.hmap (up to 1.23; 1.24-1.25 noswissmap)
	CNR_RT_HMAP_BUCKET,  // "bucket<K,V>": its buckets
	CNR_RT_BMAP,         // "runtime.bmap": the untyped bucket mapextra lists
	CNR_RT_RTYPE_BUCKET, // "map.bucket[K]V": the runtime type of a bucket (no DWARF type)
	CNR_RT_HCHAN,        // "hchan<T>": a channel
	CNR_RT_SYNC_NODE,    // "internal/sync.node[K,V]": sync.Map's trie node (1.24+)
};

// The shape of the type named name (NULL: CNR_RT_OTHER).
enum cnr_rt_shape cnr_layout_type_shape(const char *name);

// Whether a heap object of the type named name (an array "[...]T" of
// them, or a pointer) is a map's own internal object: old maps' bucket
// arrays and overflow buckets (DWARF's bucket<K,V>, the runtime's
// map.bucket[K]V, runtime.bmap, runtime.mapextra), Swiss maps' directory,
// tables and group arrays (DWARF's table<K,V>, or the runtime's own
// internal/runtime/maps.table when the linker did not describe the map).
bool cnr_layout_map_internal(const char *name);

// sync.Map's trie (internal/sync, 1.24+): the name of the concrete record
// a node "internal/sync.node[K,V]" heads, entry[K,V] or indirect[K,V]
// (node.isEntry says which), into buf; false if node_name is not a node
// or buf is too small.
bool cnr_layout_sync_node_record(const char *node_name, bool is_entry, char *buf, size_t n);

#endif
