// Go maps: every live entry of a map, old (runtime/map.go hmap and
// buckets, Go <= 1.23) or Swiss (internal/runtime/maps, Go >= 1.24), read
// with the map's runtime type descriptor (*abi.MapType).  Entries come out
// exactly once, including maps caught mid-growth (old maps) and tables
// with tombstones (Swiss maps).
#ifndef CNR_GORUNTIME_MAPS_H
#define CNR_GORUNTIME_MAPS_H

#include "goruntime/types.h"

struct cnr_program;

struct cnr_map_info {
	uint64_t addr;        // the map header (hmap / maps.Map)
	const struct cnr_rtype *type, *key, *elem;
	uint64_t len;         // count / used, as the header says
	bool swiss;
	// old maps
	unsigned B;
	uint64_t noverflow, buckets, oldbuckets;
	bool growing;
	// Swiss maps
	uint64_t dir_len, tables, groups, tombstones;
	// both
	uint64_t entries;     // entries found by the walk
	uint64_t overflow_buckets; // chained to the current bucket array (old maps)
	// During a callback: where the entry's key and value sit in their
	// bucket or group (the slot words, before indirect ones are followed).
	uint64_t key_slot, elem_slot;
};

// One entry: the addresses of its key and value (indirect ones followed).
typedef void cnr_map_entry_fn(void *arg, uint64_t key, uint64_t elem);

// Walk the map at addr whose type descriptor is at type_addr, calling fn
// (may be NULL) per entry; ret describes it.
struct cnr_error *cnr_map_walk(struct cnr_program *prog, struct cnr_type_cache *tc, uint64_t addr, uint64_t type_addr,
			       cnr_map_entry_fn *fn, void *arg, struct cnr_map_info *ret);

// The runtime type of a map type's bucket (old maps) or group (Swiss maps).
struct cnr_error *cnr_map_type_internal(struct cnr_program *prog, uint64_t type_addr, uint64_t *ret);

// The runtime type descriptor of the Go type named name (as DWARF names it,
// e.g. "map[string]interface {}"), from DW_AT_go_runtime_type.
struct cnr_error *cnr_runtime_type_by_name(struct cnr_program *prog, const char *name, uint64_t *ret);

#endif
