#include "goruntime/types.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/hash_map.h"
#include "util/string_pool.h"

enum {
	MAX_NAME = 4096,
	MAX_MODULES = 64,
	// internal/abi/type.go: TFlagExtraStar = 1<<1; KindMask = 1<<5 - 1.
	TFLAG_EXTRA_STAR = 1 << 1,
	KIND_MASK = (1 << 5) - 1,
};

struct module_range {
	uint64_t types, etypes;
};

DEFINE_HASH_MAP(type_map, uint64_t, struct cnr_rtype *, cnr_hash_u64, cnr_eq_u64)

struct cnr_type_cache {
	struct cnr_program *prog;
	struct module_range modules[MAX_MODULES];
	size_t nmodules;
	struct type_map map;
	struct cnr_string_pool names;
};

struct cnr_error *cnr_type_cache_create(struct cnr_program *prog, struct cnr_type_cache **ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct cnr_type_cache *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return &cnr_enomem;
	tc->prog = prog;
	const struct cnr_rt_layout *l = &prog->layout;
	uint64_t md;
	err = cnr_program_global(prog, "runtime.firstmoduledata", &md, NULL);
	// Modules are linked through moduledata.next (plugins, shared builds).
	for (size_t i = 0; !err && md && i < MAX_MODULES; i++) {
		struct module_range *m = &tc->modules[tc->nmodules];
		if ((err = cnr_memory_read_u64(&prog->mem, md + l->md_types, &m->types)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + l->md_etypes, &m->etypes)) ||
		    (err = cnr_memory_read_u64(&prog->mem, md + l->md_next, &md)))
			break;
		tc->nmodules++;
	}
	if (err) {
		cnr_type_cache_destroy(tc);
		return cnr_error_wrap(err, "cannot read the module list");
	}
	*ret = tc;
	return NULL;
}

void cnr_type_cache_destroy(struct cnr_type_cache *tc)
{
	if (!tc)
		return;
	if (tc->map.slots) {
		for (size_t i = 0; i <= tc->map.mask; i++) {
			if (tc->map.slots[i].used)
				free(tc->map.slots[i].value);
		}
	}
	type_map_deinit(&tc->map);
	cnr_string_pool_deinit(&tc->names);
	free(tc);
}

// runtime/type.go resolveNameOff + internal/abi Name: one flag byte, a
// uvarint length, the bytes.
static struct cnr_error *read_name(struct cnr_type_cache *tc, uint64_t type_addr, int32_t off, uint8_t tflag,
				   const char **ret)
{
	const struct module_range *m = NULL;
	for (size_t i = 0; i < tc->nmodules; i++) {
		if (type_addr >= tc->modules[i].types && type_addr < tc->modules[i].etypes)
			m = &tc->modules[i];
	}
	if (!m) {
		// Built at run time by reflect: its names live in reflectOffs.
		*ret = NULL;
		return NULL;
	}
	uint64_t addr = m->types + (int64_t)off;
	uint8_t hdr[11];
	struct cnr_error *err = cnr_memory_read(&tc->prog->mem, addr, hdr, 1);
	if (err)
		return err;
	uint64_t len = 0;
	size_t pos = 1;
	for (int shift = 0; shift < 35; shift += 7) {
		if ((err = cnr_memory_read(&tc->prog->mem, addr + pos, &hdr[pos], 1)))
			return err;
		len |= (uint64_t)(hdr[pos] & 0x7f) << shift;
		if (!(hdr[pos++] & 0x80))
			break;
	}
	if (len > MAX_NAME)
		return cnr_error_corrupt("type name at 0x%" PRIx64 " claims %" PRIu64 " bytes", addr, len);
	char buf[MAX_NAME + 1];
	if ((err = cnr_memory_read(&tc->prog->mem, addr + pos, buf, len)))
		return err;
	buf[len] = '\0';
	const char *s = buf;
	if ((tflag & TFLAG_EXTRA_STAR) && len > 0 && buf[0] == '*') {
		s++;
		len--;
	}
	*ret = cnr_string_pool_add(&tc->names, s, len);
	return *ret ? NULL : &cnr_enomem;
}

struct cnr_error *cnr_type_get(struct cnr_type_cache *tc, uint64_t addr, const struct cnr_rtype **ret)
{
	struct cnr_rtype **cached = type_map_get(&tc->map, addr);
	if (cached) {
		*ret = *cached;
		return NULL;
	}
	const struct cnr_rt_layout *l = &tc->prog->layout;
	uint8_t buf[64];
	struct cnr_error *err = cnr_memory_read(&tc->prog->mem, addr, buf, 48);
	if (err)
		return cnr_error_wrap(err, "cannot read type descriptor at 0x%" PRIx64, addr);
	struct cnr_rtype *t = calloc(1, sizeof(*t));
	if (!t)
		return &cnr_enomem;
	int32_t str;
	t->addr = addr;
	memcpy(&t->size, buf + l->type_size_, 8);
	memcpy(&t->ptrdata, buf + l->type_ptrdata, 8);
	memcpy(&t->gcdata, buf + l->type_gcdata, 8);
	memcpy(&str, buf + l->type_str, 4);
	t->tflag = buf[l->type_tflag];
	t->kind = buf[l->type_kind] & KIND_MASK;
	if (t->ptrdata > t->size) {
		err = cnr_error_corrupt("type descriptor at 0x%" PRIx64 " has ptrdata %" PRIu64 " > size %" PRIu64,
					addr, t->ptrdata, t->size);
		free(t);
		return err;
	}
	err = read_name(tc, addr, str, t->tflag, &t->name);
	if (err) {
		free(t);
		return cnr_error_wrap(err, "cannot read the name of type 0x%" PRIx64, addr);
	}
	bool inserted;
	struct cnr_rtype **slot = type_map_insert(&tc->map, addr, &inserted);
	if (!slot) {
		free(t);
		return &cnr_enomem;
	}
	*slot = t;
	*ret = t;
	return NULL;
}
