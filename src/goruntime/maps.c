#include "goruntime/maps.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"

enum {
	MAX_BUCKET_SHIFT = 40,     // 2^40 buckets: past that, corrupt
	MAX_OVERFLOW_CHAIN = 1 << 20,
	MAX_DIR = 1 << 24,
	MAX_GROUPS = 1 << 28,
	MAX_SLOT = 4096,
	MAP_MAX_KEY_BYTES = 128,  // runtime/map.go maxKeySize; abi.MapMaxKeyBytes
	// runtime/map.go: tophash values below minTopHash mark empty/evacuated.
	EMPTY_ONE = 1, EVACUATED_X = 2, EVACUATED_EMPTY = 4, MIN_TOP_HASH = 5,
	SAME_SIZE_GROW = 8,
	// internal/runtime/maps/group.go: ctrl bytes; bit 7 clear = full.
	CTRL_EMPTY = 0x80, CTRL_DELETED = 0xfe,
};

struct map_layout {
	bool swiss;
	// maptype fields
	uint64_t mt_key, mt_elem, mt_bucket, mt_keysize, mt_elemsize, mt_bucketsize;  // old
	uint64_t mt_group, mt_groupsize, mt_slotsize, mt_elemoff;                    // swiss <= 1.26
	uint64_t mt_keysoff, mt_keystride, mt_elemsoff, mt_elemstride;               // swiss 1.27
	bool split_strides;
	// header fields
	uint64_t h_count, h_flags, h_B, h_noverflow, h_buckets, h_oldbuckets;       // old
	uint64_t m_used, m_dirptr, m_dirlen;                                         // swiss
	uint64_t t_groups_data, t_groups_mask, t_index;
};

static struct cnr_error *off(struct cnr_program *prog, const char *type, const char *path, uint64_t *ret)
{
	return cnr_dwarf_offsetof(prog->dwarf, type, path, ret);
}

static struct cnr_error *layout_init(struct cnr_program *prog, struct map_layout *ml)
{
	struct cnr_error *err;
	const struct cnr_dwarf *dw = prog->dwarf;
	memset(ml, 0, sizeof(*ml));
	ml->swiss = cnr_go_swiss_maps(prog->ops, &prog->go_version);
	if (!ml->swiss) {
		const char *mt = cnr_layout_map_type(dw, false);
		if ((err = off(prog, mt, "Key|key", &ml->mt_key)) || (err = off(prog, mt, "Elem|elem", &ml->mt_elem)) ||
		    (err = off(prog, mt, "Bucket|bucket", &ml->mt_bucket)) ||
		    (err = off(prog, mt, "KeySize|keysize", &ml->mt_keysize)) ||
		    (err = off(prog, mt, "ValueSize|elemsize", &ml->mt_elemsize)) ||
		    (err = off(prog, mt, "BucketSize|bucketsize", &ml->mt_bucketsize)) ||
		    (err = off(prog, "runtime.hmap", "count", &ml->h_count)) ||
		    (err = off(prog, "runtime.hmap", "flags", &ml->h_flags)) ||
		    (err = off(prog, "runtime.hmap", "B", &ml->h_B)) ||
		    (err = off(prog, "runtime.hmap", "noverflow", &ml->h_noverflow)) ||
		    (err = off(prog, "runtime.hmap", "buckets", &ml->h_buckets)) ||
		    (err = off(prog, "runtime.hmap", "oldbuckets", &ml->h_oldbuckets)))
			return err;
		return NULL;
	}
	const char *mt = cnr_layout_map_type(dw, true);
	if ((err = off(prog, mt, "Key", &ml->mt_key)) || (err = off(prog, mt, "Elem", &ml->mt_elem)) ||
	    (err = off(prog, mt, "Group", &ml->mt_group)) || (err = off(prog, mt, "GroupSize", &ml->mt_groupsize)) ||
	    (err = off(prog, "internal/runtime/maps.Map", "used", &ml->m_used)) ||
	    (err = off(prog, "internal/runtime/maps.Map", "dirPtr", &ml->m_dirptr)) ||
	    (err = off(prog, "internal/runtime/maps.Map", "dirLen", &ml->m_dirlen)) ||
	    (err = off(prog, "internal/runtime/maps.table", "groups.data", &ml->t_groups_data)) ||
	    (err = off(prog, "internal/runtime/maps.table", "groups.lengthMask", &ml->t_groups_mask)) ||
	    (err = off(prog, "internal/runtime/maps.table", "index", &ml->t_index)))
		return err;
	// 1.27 internal/abi/map.go: KeysOff/KeyStride/ElemsOff/ElemStride (the
	// split-group experiment); before, SlotSize and ElemOff.
	err = off(prog, mt, "KeysOff", &ml->mt_keysoff);
	if (!err) {
		ml->split_strides = true;
		if ((err = off(prog, mt, "KeyStride", &ml->mt_keystride)) ||
		    (err = off(prog, mt, "ElemsOff", &ml->mt_elemsoff)) ||
		    (err = off(prog, mt, "ElemStride", &ml->mt_elemstride)))
			return err;
		return NULL;
	}
	cnr_error_destroy(err);
	if ((err = off(prog, mt, "SlotSize", &ml->mt_slotsize)) || (err = off(prog, mt, "ElemOff", &ml->mt_elemoff)))
		return err;
	return NULL;
}

struct walk {
	struct cnr_program *prog;
	const struct map_layout *ml;
	struct cnr_map_info *info;
	cnr_map_entry_fn *fn;
	void *arg;
	bool ind_key, ind_elem;
	uint64_t keysize, elemsize; // slot sizes (old maps)
	uint64_t bucketsize;
};

static struct cnr_error *emit(struct walk *w, uint64_t key, uint64_t elem)
{
	struct cnr_error *err;
	w->info->key_slot = key;
	w->info->elem_slot = elem;
	// Keys and values over 128 bytes are stored as pointers to them.
	if (w->ind_key && (err = cnr_memory_read_u64(&w->prog->mem, key, &key)))
		return err;
	if (w->ind_elem && (err = cnr_memory_read_u64(&w->prog->mem, elem, &elem)))
		return err;
	w->info->entries++;
	if (w->fn)
		w->fn(w->arg, key, elem);
	return NULL;
}

// One bucket and its overflow chain (runtime/map.go bmap).
static struct cnr_error *walk_bucket(struct walk *w, uint64_t b, bool old)
{
	uint8_t buf[MAX_SLOT * 2 + 16];
	for (int chain = 0; b && chain < MAX_OVERFLOW_CHAIN; chain++) {
		struct cnr_error *err = cnr_memory_read(&w->prog->mem, b, buf, w->bucketsize);
		if (err)
			return err;
		// An evacuated old bucket has moved its entries to the new array.
		if (old && chain == 0 && buf[0] > EMPTY_ONE && buf[0] < MIN_TOP_HASH)
			return NULL;
		for (int i = 0; i < 8; i++) {
			if (buf[i] < MIN_TOP_HASH)
				continue;
			uint64_t key = b + 8 + (uint64_t)i * w->keysize;
			uint64_t elem = b + 8 + 8 * w->keysize + (uint64_t)i * w->elemsize;
			if ((err = emit(w, key, elem)))
				return err;
		}
		uint64_t next;
		memcpy(&next, buf + w->bucketsize - 8, 8);
		// Counted in the current bucket array only (hmap.noverflow's sense).
		if (!old)
			w->info->overflow_buckets += next != 0;
		b = next;
	}
	return b ? cnr_error_corrupt("overflow chain of map at 0x%" PRIx64 " is longer than %d buckets", w->info->addr,
				     MAX_OVERFLOW_CHAIN)
		 : NULL;
}

static struct cnr_error *walk_old(struct walk *w, uint64_t mt)
{
	struct cnr_program *prog = w->prog;
	const struct map_layout *ml = w->ml;
	struct cnr_map_info *info = w->info;
	uint8_t ks, es, flags, B;
	uint16_t bs, nover;
	struct cnr_error *err;
	if ((err = cnr_memory_read(&prog->mem, mt + ml->mt_keysize, &ks, 1)) ||
	    (err = cnr_memory_read(&prog->mem, mt + ml->mt_elemsize, &es, 1)) ||
	    (err = cnr_memory_read(&prog->mem, mt + ml->mt_bucketsize, &bs, 2)) ||
	    (err = cnr_memory_read_u64(&prog->mem, info->addr + ml->h_count, &info->len)) ||
	    (err = cnr_memory_read(&prog->mem, info->addr + ml->h_flags, &flags, 1)) ||
	    (err = cnr_memory_read(&prog->mem, info->addr + ml->h_B, &B, 1)) ||
	    (err = cnr_memory_read(&prog->mem, info->addr + ml->h_noverflow, &nover, 2)) ||
	    (err = cnr_memory_read_u64(&prog->mem, info->addr + ml->h_buckets, &info->buckets)) ||
	    (err = cnr_memory_read_u64(&prog->mem, info->addr + ml->h_oldbuckets, &info->oldbuckets)))
		return err;
	w->keysize = ks;
	w->elemsize = es;
	w->bucketsize = bs;
	info->B = B;
	info->noverflow = nover;
	info->growing = info->oldbuckets != 0;
	if (B > MAX_BUCKET_SHIFT || bs < 8 + 8 * (ks + es) + 8 || bs > MAX_SLOT * 2 + 16)
		return cnr_error_corrupt("map at 0x%" PRIx64 " has B %u and %u-byte buckets", info->addr, B, bs);
	if (!info->buckets)
		return NULL;
	// runtime/map.go mapiter: the new array, plus old buckets not yet
	// evacuated (half as many, unless the grow keeps the size).
	for (uint64_t i = 0; i < (1ULL << B); i++) {
		if ((err = walk_bucket(w, info->buckets + i * bs, false)))
			return err;
	}
	if (info->oldbuckets) {
		uint64_t nold = (flags & SAME_SIZE_GROW) ? (1ULL << B) : (1ULL << B) / 2;
		for (uint64_t i = 0; i < nold; i++) {
			if ((err = walk_bucket(w, info->oldbuckets + i * bs, true)))
				return err;
		}
	}
	return NULL;
}

// One Swiss table: lengthMask+1 groups of a ctrl word and 8 slots.
static struct cnr_error *walk_table(struct walk *w, uint64_t table, uint64_t groupsize, uint64_t keyoff,
				    uint64_t keystride, uint64_t elemoff, uint64_t elemstride)
{
	struct cnr_program *prog = w->prog;
	uint64_t data, mask;
	struct cnr_error *err;
	if ((err = cnr_memory_read_u64(&prog->mem, table + w->ml->t_groups_data, &data)) ||
	    (err = cnr_memory_read_u64(&prog->mem, table + w->ml->t_groups_mask, &mask)))
		return err;
	if (mask >= MAX_GROUPS)
		return cnr_error_corrupt("Swiss table at 0x%" PRIx64 " claims %" PRIu64 " groups", table, mask + 1);
	w->info->tables++;
	w->info->groups += mask + 1;
	for (uint64_t gi = 0; gi <= mask; gi++) {
		uint64_t group = data + gi * groupsize;
		uint8_t ctrl[8];
		if ((err = cnr_memory_read(&prog->mem, group, ctrl, 8)))
			return err;
		for (int i = 0; i < 8; i++) {
			if (ctrl[i] == CTRL_DELETED)
				w->info->tombstones++;
			if (ctrl[i] & 0x80)
				continue;
			if ((err = emit(w, group + keyoff + (uint64_t)i * keystride, group + elemoff + (uint64_t)i * elemstride)))
				return err;
		}
	}
	return NULL;
}

static struct cnr_error *walk_swiss(struct walk *w, uint64_t mt)
{
	struct cnr_program *prog = w->prog;
	const struct map_layout *ml = w->ml;
	struct cnr_map_info *info = w->info;
	uint64_t groupsize, keyoff, keystride, elemoff, elemstride, dirptr, dirlen;
	struct cnr_error *err;
	if ((err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_groupsize, &groupsize)))
		return err;
	if (ml->split_strides) {
		if ((err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_keysoff, &keyoff)) ||
		    (err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_keystride, &keystride)) ||
		    (err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_elemsoff, &elemoff)) ||
		    (err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_elemstride, &elemstride)))
			return err;
	} else {
		// internal/runtime/maps/group.go (1.24-1.26): slot i at 8 + i*SlotSize,
		// its value ElemOff further.
		uint64_t slotsize, eo;
		if ((err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_slotsize, &slotsize)) ||
		    (err = cnr_memory_read_u64(&prog->mem, mt + ml->mt_elemoff, &eo)))
			return err;
		keyoff = 8;
		keystride = elemstride = slotsize;
		elemoff = 8 + eo;
	}
	if ((err = cnr_memory_read_u64(&prog->mem, info->addr + ml->m_used, &info->len)) ||
	    (err = cnr_memory_read_u64(&prog->mem, info->addr + ml->m_dirptr, &dirptr)) ||
	    (err = cnr_memory_read_u64(&prog->mem, info->addr + ml->m_dirlen, &dirlen)))
		return err;
	if (groupsize > 64 * MAX_SLOT || keyoff + 8 * keystride > groupsize + keystride ||
	    elemoff + 7 * elemstride > groupsize)
		return cnr_error_corrupt("map type at 0x%" PRIx64 " has an impossible group layout", mt);
	info->dir_len = dirlen;
	if (!dirptr)
		return NULL; // empty, never written
	if (dirlen == 0) {
		// A small map: dirPtr is its one group (maps/map.go).
		info->groups = 1;
		for (int i = 0; i < 8; i++) {
			uint8_t ctrl;
			if ((err = cnr_memory_read(&prog->mem, dirptr + (uint64_t)i, &ctrl, 1)))
				return err;
			if (ctrl & 0x80)
				continue;
			if ((err = emit(w, dirptr + keyoff + (uint64_t)i * keystride, dirptr + elemoff + (uint64_t)i * elemstride)))
				return err;
		}
		return NULL;
	}
	if (dirlen > MAX_DIR)
		return cnr_error_corrupt("map at 0x%" PRIx64 " claims a directory of %" PRIu64 " tables", info->addr, dirlen);
	uint64_t *dir = malloc(dirlen * 8);
	if (!dir)
		return &cnr_enomem;
	if ((err = cnr_memory_read(&prog->mem, dirptr, dir, dirlen * 8))) {
		free(dir);
		return err;
	}
	// Consecutive directory entries share a table: visit each once.
	for (uint64_t i = 0; i < dirlen && !err; i++) {
		if (!dir[i] || (i > 0 && dir[i] == dir[i - 1]))
			continue;
		bool seen = false;
		for (uint64_t j = 0; j + 1 < i && !seen && dirlen <= 1024; j++)
			seen = dir[j] == dir[i];
		if (!seen)
			err = walk_table(w, dir[i], groupsize, keyoff, keystride, elemoff, elemstride);
	}
	free(dir);
	return err;
}

struct cnr_error *cnr_map_walk(struct cnr_program *prog, struct cnr_type_cache *tc, uint64_t addr, uint64_t type_addr,
			       cnr_map_entry_fn *fn, void *arg, struct cnr_map_info *ret)
{
	struct map_layout ml;
	struct cnr_error *err = layout_init(prog, &ml);
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	ret->addr = addr;
	ret->swiss = ml.swiss;
	uint64_t key, elem;
	if ((err = cnr_type_get(tc, type_addr, &ret->type)) ||
	    (err = cnr_memory_read_u64(&prog->mem, type_addr + ml.mt_key, &key)) ||
	    (err = cnr_memory_read_u64(&prog->mem, type_addr + ml.mt_elem, &elem)) || (err = cnr_type_get(tc, key, &ret->key)) ||
	    (err = cnr_type_get(tc, elem, &ret->elem)))
		return err;
	if (ret->type->kind != 21) // reflect.Map
		return cnr_error_create(CNR_ERROR_INVALID, "type '%s' at 0x%" PRIx64 " is not a map type",
					ret->type->name ? ret->type->name : "?", type_addr);
	struct walk w = {
		.prog = prog, .ml = &ml, .info = ret, .fn = fn, .arg = arg,
		.ind_key = ret->key->size > MAP_MAX_KEY_BYTES, .ind_elem = ret->elem->size > MAP_MAX_KEY_BYTES,
	};
	err = ml.swiss ? walk_swiss(&w, type_addr) : walk_old(&w, type_addr);
	return err ? cnr_error_wrap(err, "map at 0x%" PRIx64, addr) : NULL;
}

struct cnr_error *cnr_map_type_internal(struct cnr_program *prog, uint64_t type_addr, uint64_t *ret)
{
	struct map_layout ml;
	struct cnr_error *err = layout_init(prog, &ml);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, type_addr + (ml.swiss ? ml.mt_group : ml.mt_bucket), ret);
	return err;
}

struct cnr_error *cnr_runtime_type_by_name(struct cnr_program *prog, const char *name, uint64_t *ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(prog->dwarf, name);
	if (!t || !t->go_runtime_type)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no runtime type '%s' in the DWARF of '%s'", name,
					prog->exe->path);
	uint64_t md, types;
	err = cnr_program_global(prog, "runtime.firstmoduledata", &md, NULL);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, md + prog->layout.md_types, &types);
	if (err)
		return err;
	*ret = types + t->go_runtime_type;
	return NULL;
}
