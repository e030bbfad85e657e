// Go versions: the one place that maps a Go release to the behaviours its
// DWARF cannot describe.  Everything else reads layouts from DWARF and asks
// the chosen row (STYLE.md §8).
#ifndef CNR_GORUNTIME_VERSIONS_H
#define CNR_GORUNTIME_VERSIONS_H

#include "cnr_internal.h"

struct cnr_go_version {
	unsigned major, minor, patch; // go1.22.12 -> 1, 22, 12
	bool devel;                   // "devel go1.NN-..." builds
	const char *experiments;      // text after " X:" / "-X:", or NULL
};

// The behaviours of one supported release line.
struct cnr_go_ops {
	unsigned minor;          // 1.NN this row describes
	uint32_t pclntab_magic;  // runtime/symtab.go: pcHeader.magic
	// pcHeader.textStart is written as 0 from 1.26 ("no longer stored as
	// it requires a relocation"); use moduledata.text instead.
	bool pcheader_has_text_start;
	// runtime/mgcpacer.go memoryLimitHeapGoal: headroom below the memory
	// limit.  1.19: a fixed memoryLimitHeapGoalHeadroom (1 MiB); 1.21+:
	// 3% with at least memoryLimitMinHeapGoalHeadroom (1 MiB).
	unsigned mem_limit_headroom_percent;
	// runtime/mbitmap_allocheaders.go (1.22, GOEXPERIMENT allocheaders on
	// by default), runtime/mbitmap.go (1.23+): objects over
	// minSizeForMallocHeader carry their *_type in a header word, large
	// objects in mspan.largeType.
	bool malloc_headers;
	// runtime/typekind.go (1.19), internal/abi/type.go (1.21-1.23):
	// KindGCProg = 1<<6 in Kind_, GCData is a GC program; gone in 1.24.
	uint8_t kind_gcprog;
	// internal/abi/type.go (1.24+): TFlagGCMaskOnDemand = 1<<4, GCData
	// points at a slot holding the mask once the runtime built it.
	// (1<<4 meant TFlagUnrolledBitmap in 1.22-1.23: a plain bitmap.)
	uint8_t tflag_gcmask_on_demand;
	// internal/runtime/maps (1.24+): Swiss-table maps, the default from
	// 1.24 (GOEXPERIMENT=noswissmap possible in 1.24-1.25), the only
	// maps from 1.26.  Older releases: runtime/map.go hmap and buckets.
	bool swiss_maps;
	// runtime/malloc.go, mgc*.go: Green Tea GC keeps 128 bytes of inline
	// mark bits at the end of small-object spans (16..512-byte elements),
	// moving the span-end heap bits down; default from 1.26, opt-in 1.25.
	bool greentea_default;
	// runtime/time.go: each P's timers are a []*timer heap (p.timers) up
	// to 1.22; from 1.23 a timers struct whose heap is a []timerWhen
	// (p.timers.heap, the *timer beside its when).
	bool timers_when_heap;
	// runtime/pprof/protomem.go writeHeapProto: leading runtime.* frames
	// are hidden, and from 1.24 internal/runtime/* frames too.
	bool pprof_hides_internal_runtime;
	// The same: the sample's "bytes" label is AllocBytes/AllocObjects when
	// AllocObjects > 0 up to 1.26; from 1.27 always the ObjectSize.
	bool pprof_size_label_always;
};

// Where the heap's pointer bits live (runtime/mbitmap*.go).
enum cnr_heap_bits {
	CNR_HEAP_BITS_ARENA_2BIT, // 1.19: heapArena.bitmap, 2 bits per word
	CNR_HEAP_BITS_ARENA_1BIT, // 1.20-1.21 (and 1.22 noallocheaders): 1 bit per word
	CNR_HEAP_BITS_SPAN,       // 1.22+: span-end bitmaps, malloc headers, largeType
};

enum cnr_heap_bits cnr_go_heap_bits(const struct cnr_go_ops *ops, const struct cnr_go_version *v);
bool cnr_go_greentea(const struct cnr_go_ops *ops, const struct cnr_go_version *v);
// The inline mark bits Green Tea keeps at the end of small-object spans,
// below which the span-end heap bits sit: bytes of them in spans of
// elements of at least min_elemsize bytes (bytes 0 without Green Tea).
struct cnr_go_inline_marks {
	uint64_t bytes, min_elemsize;
};
struct cnr_go_inline_marks cnr_go_span_inline_marks(const struct cnr_go_ops *ops, const struct cnr_go_version *v);

// Whether the binary's maps are Swiss tables.
bool cnr_go_swiss_maps(const struct cnr_go_ops *ops, const struct cnr_go_version *v);

// Whether the binary's heap objects carry type headers: the release's
// default, unless it was built with GOEXPERIMENT=noallocheaders.
bool cnr_go_malloc_headers(const struct cnr_go_ops *ops, const struct cnr_go_version *v);

// Parse runtime.buildVersion ("go1.22.12", "go1.26.1-X:nogreenteagc",
// "devel go1.28-abcdef ..."); false if it is not a Go version string.
bool cnr_go_version_parse(const char *s, struct cnr_go_version *ret);

// The row for v.  Outside the supported range: CNR_ERROR_UNSUPPORTED_GO
// naming the range, unless force, which picks the nearest row.
struct cnr_error *cnr_go_ops_for(const struct cnr_go_version *v, const char *text, bool force,
				 const struct cnr_go_ops **ret);

extern const unsigned cnr_go_min_minor, cnr_go_max_minor;

#endif
