#include "report/map_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "report/json_writer.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

enum { MAX_KEY_SHOWN = 256, MAX_PREFIX = 64, REFLECT_STRING = 24, REFLECT_INTERFACE = 20 };

DEFINE_HASH_MAP(count_map, const char *, uint64_t, cnr_hash_string, cnr_eq_string)

// Keys that differ only in their numbers or ids form one cluster.
struct cluster {
	uint64_t count, bytes;
	const char *sample;
};

DEFINE_HASH_MAP(cluster_map, const char *, struct cluster, cnr_hash_string, cnr_eq_string)

struct entry {
	const char *key;        // shown key (pool)
	const char *value_type; // dynamic type for interfaces (pool or type name)
	uint64_t value;         // address of the value (interface data resolved)
	uint8_t kind;           // its reflect.Kind, 0 if unknown
	uint64_t data, len;     // slices and strings: the backing array and length
};

DEFINE_VECTOR(entry_vector, struct entry)

struct collect {
	struct cnr_program *prog;
	struct cnr_type_cache *tc;
	const struct cnr_map_info *info;
	struct count_map types, prefixes;
	struct cluster_map clusters;
	struct entry_vector entries;
	size_t limit;
	struct cnr_string_pool pool;
	bool iface_empty; // elem is interface{} (eface) rather than an iface
	bool iface_known;
	uint64_t itab_type_off;
	unsigned errors;
};

// Count key; the map keeps a pooled copy of it the first time it is seen.
static void count(struct collect *c, struct count_map *m, const char *key, size_t len)
{
	char buf[MAX_KEY_SHOWN + 1];
	memcpy(buf, key, len);
	buf[len] = '\0';
	uint64_t *n = count_map_get(m, buf);
	if (!n) {
		const char *copy = cnr_string_pool_add(&c->pool, buf, len);
		bool inserted;
		if (!copy || !(n = count_map_insert(m, copy, &inserted)))
			return;
		*n = 0;
	}
	(*n)++;
}

// Where an interface's value lives: in the data word for pointer-shaped
// types, else at the address the data word holds.
static uint64_t interface_value(struct collect *c, uint64_t addr, const struct cnr_rtype *t)
{
	if (!t)
		return 0;
	if (t->kind == 22 || t->kind == 18 || t->kind == 21 || t->kind == 19 || t->kind == 26)
		return addr + 8; // pointer-shaped: the word itself is the value
	uint64_t data = 0;
	if (cnr_memory_read_u64(&c->prog->mem, addr + 8, &data) != NULL)
		c->errors++;
	return data;
}

// The dynamic type of the interface value at addr, as %T prints it.
static const char *dynamic_type(struct collect *c, uint64_t addr, const struct cnr_rtype **type_ret)
{
	*type_ret = NULL;
	uint64_t word;
	if (cnr_memory_read_u64(&c->prog->mem, addr, &word) != NULL) {
		c->errors++;
		return "(unreadable)";
	}
	if (!word)
		return "<nil>";
	uint64_t type = word;
	// A non-empty interface holds an itab; its type is itab._type.
	if (!c->iface_empty && cnr_memory_read_u64(&c->prog->mem, word + c->itab_type_off, &type) != NULL) {
		c->errors++;
		return "(unreadable)";
	}
	const struct cnr_rtype *t;
	struct cnr_error *err = cnr_type_get(c->tc, type, &t);
	if (err) {
		cnr_warn_error(c->prog->ctx, err);
		c->errors++;
		return "(unreadable)";
	}
	*type_ret = t;
	return t->name ? t->name : "(type built at run time)";
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The key's shape: UUIDs become {uuid}, runs of 8+ hex digits with a
// letter {hex}, runs of decimal digits {n} ("sess:{hex}", "user:{n}").
static void key_pattern(const char *key, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = key; *p && o + 8 < len;) {
		size_t n = 0;
		bool letter = false;
		while (is_hex(p[n]) || (p[n] == '-' && n > 0)) {
			letter |= !(p[n] >= '0' && p[n] <= '9') && p[n] != '-';
			n++;
		}
		while (n > 0 && p[n - 1] == '-')
			n--;
		// 8-4-4-4-12 hex digits (RFC 4122 text form).
		bool uuid = n == 36 && p[8] == '-' && p[13] == '-' && p[18] == '-' && p[23] == '-';
		size_t digits = 0;
		while (p[digits] >= '0' && p[digits] <= '9')
			digits++;
		if (uuid) {
			o += (size_t)snprintf(out + o, len - o, "{uuid}");
			p += 36;
		} else if (n >= 8 && letter && !memchr(p, '-', n)) {
			o += (size_t)snprintf(out + o, len - o, "{hex}");
			p += n;
		} else if (digits) {
			o += (size_t)snprintf(out + o, len - o, "{n}");
			p += digits;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < len ? o : len - 1] = '\0';
}

static void cluster_key(struct collect *c, const char *key, uint64_t len)
{
	char pat[MAX_KEY_SHOWN + 16];
	key_pattern(key, pat, sizeof(pat));
	struct cluster *cl = cluster_map_get(&c->clusters, pat);
	if (!cl) {
		const char *copy = cnr_string_pool_add(&c->pool, pat, strlen(pat));
		const char *sample = cnr_string_pool_add(&c->pool, key, strlen(key));
		bool inserted;
		if (!copy || !sample || !(cl = cluster_map_insert(&c->clusters, copy, &inserted)))
			return;
		*cl = (struct cluster){ 0, 0, sample };
	}
	cl->count++;
	cl->bytes += len;
}

static void on_entry(void *arg, uint64_t key, uint64_t elem)
{
	struct collect *c = arg;
	const char *shown = NULL;
	bool sample = c->entries.size < c->limit;
	// cnr_map_walk resolved the key and value types before the first entry.
	// An interface type with no methods is interface{} (eface).
	if (!c->iface_known) {
		const struct cnr_rtype *e = c->info->elem;
		c->iface_empty = e->kind == REFLECT_INTERFACE && e->name &&
				 (strcmp(e->name, "interface {}") == 0 || strcmp(e->name, "any") == 0);
		c->iface_known = true;
	}
	char buf[MAX_KEY_SHOWN + 1];
	if (c->info->key->kind == REFLECT_STRING) {
		// Only the first bytes matter: the prefix and the shown key.
		uint64_t hdr[2];
		struct cnr_error *err = cnr_memory_read(&c->prog->mem, key, hdr, sizeof(hdr));
		size_t n = 0;
		if (!err) {
			n = hdr[1] < MAX_KEY_SHOWN ? (size_t)hdr[1] : MAX_KEY_SHOWN;
			err = cnr_memory_read(&c->prog->mem, hdr[0], buf, n);
		}
		if (err) {
			cnr_warn_error(c->prog->ctx, err);
			c->errors++;
		} else {
			buf[n] = '\0';
			size_t plen = strcspn(buf, ":");
			// Key prefix up to the first ':' (the whole key if none).
			count(c, &c->prefixes, buf, plen < MAX_PREFIX ? plen : MAX_PREFIX);
			cluster_key(c, buf, hdr[1]);
			if (sample)
				shown = cnr_string_pool_add(&c->pool, buf, strlen(buf));
		}
	} else if (sample) {
		snprintf(buf, sizeof(buf), "@0x%" PRIx64, key);
		shown = cnr_string_pool_add(&c->pool, buf, strlen(buf));
	}
	const struct cnr_rtype *dt = c->info->elem;
	const char *vt = c->info->elem->kind == REFLECT_INTERFACE ? dynamic_type(c, elem, &dt)
								   : (c->info->elem->name ? c->info->elem->name : "?");
	count(c, &c->types, vt, strlen(vt) < MAX_KEY_SHOWN ? strlen(vt) : MAX_KEY_SHOWN);
	if (!sample)
		return;
	struct entry e = { shown, vt, elem, dt ? dt->kind : 0, 0, 0 };
	if (c->info->elem->kind == REFLECT_INTERFACE)
		e.value = interface_value(c, elem, dt);
	// Strings and slices: where their bytes are, and how many.
	if (e.value && (e.kind == REFLECT_STRING || e.kind == 23)) {
		uint64_t hdr[2];
		if (cnr_memory_read(&c->prog->mem, e.value, hdr, sizeof(hdr)) == NULL) {
			e.data = hdr[0];
			e.len = hdr[1];
		}
	}
	entry_vector_push(&c->entries, e);
}

struct sorted {
	const char *name;
	uint64_t n;
};

static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

// The counts of m, most first (ties by name): deterministic output.
static struct sorted *sorted_counts(const struct count_map *m, size_t *n_ret)
{
	struct sorted *v = malloc((m->size ? m->size : 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; m->slots && i <= m->mask; i++) {
		if (m->slots[i].used)
			v[n++] = (struct sorted){ m->slots[i].key, m->slots[i].value };
	}
	qsort(v, n, sizeof(*v), cmp_sorted);
	*n_ret = n;
	return v;
}

static void json_counts(struct cnr_json *j, const char *key, const struct count_map *m)
{
	size_t n;
	struct sorted *v = sorted_counts(m, &n);
	cnr_json_key(j, key);
	cnr_json_begin_object(j);
	for (size_t i = 0; v && i < n; i++) {
		cnr_json_key(j, v[i].name);
		cnr_json_uint(j, v[i].n);
	}
	cnr_json_end_object(j);
	free(v);
}

static void text_counts(FILE *out, const char *title, const struct count_map *m)
{
	size_t n;
	struct sorted *v = sorted_counts(m, &n);
	fprintf(out, "%s:\n", title);
	for (size_t i = 0; v && i < n; i++)
		fprintf(out, "  %10" PRIu64 "  %s\n", v[i].n, v[i].name);
	free(v);
}

struct sorted_cluster {
	const char *pattern;
	const struct cluster *cl;
};

static int cmp_cluster(const void *a, const void *b)
{
	const struct sorted_cluster *x = a, *y = b;
	if (x->cl->count != y->cl->count)
		return x->cl->count > y->cl->count ? -1 : 1;
	return strcmp(x->pattern, y->pattern);
}

static struct sorted_cluster *sorted_clusters(const struct cluster_map *m, size_t *n_ret)
{
	struct sorted_cluster *v = malloc((m->size ? m->size : 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; v && m->slots && i <= m->mask; i++) {
		if (m->slots[i].used)
			v[n++] = (struct sorted_cluster){ m->slots[i].key, &m->slots[i].value };
	}
	if (v && n)
		qsort(v, n, sizeof(*v), cmp_cluster);
	*n_ret = n;
	return v;
}

static void json_clusters(struct cnr_json *j, const struct cluster_map *m)
{
	size_t n = 0;
	struct sorted_cluster *v = sorted_clusters(m, &n);
	cnr_json_key(j, "key_clusters");
	cnr_json_begin_array(j);
	for (size_t i = 0; v && i < n; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, "pattern");
		cnr_json_string(j, v[i].pattern);
		cnr_json_key(j, "count");
		cnr_json_uint(j, v[i].cl->count);
		cnr_json_key(j, "key_bytes");
		cnr_json_uint(j, v[i].cl->bytes);
		cnr_json_key(j, "sample");
		cnr_json_string(j, v[i].cl->sample);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
	free(v);
}

static void text_clusters(FILE *out, const struct cluster_map *m)
{
	size_t n = 0;
	struct sorted_cluster *v = sorted_clusters(m, &n);
	fprintf(out, "key clusters:\n");
	for (size_t i = 0; v && i < n; i++)
		fprintf(out, "  %10" PRIu64 "  %-24s %" PRIu64 " key bytes, e.g. %s\n", v[i].cl->count, v[i].pattern,
			v[i].cl->bytes, v[i].cl->sample);
	free(v);
}

struct cnr_error *cnr_map_report(struct cnr_program *prog, uint64_t addr, uint64_t type_addr, size_t limit, bool json,
				 FILE *out)
{
	struct collect c = { .prog = prog, .limit = limit };
	struct cnr_map_info info;
	struct cnr_error *err = cnr_type_cache_create(prog, &c.tc);
	if (err)
		return err;
	c.info = &info;
	// internal/abi.ITab / runtime.itab: the concrete type is the second word.
	const char *itab = cnr_dwarf_type_by_name(prog->dwarf, "internal/abi.ITab") ? "internal/abi.ITab" : "runtime.itab";
	err = cnr_dwarf_offsetof(prog->dwarf, itab, "Type|_type", &c.itab_type_off);
	if (err)
		goto out;
	err = cnr_map_walk(prog, c.tc, addr, type_addr, on_entry, &c, &info);
	if (err)
		goto out;
	if (info.entries != info.len)
		cnr_warn(prog->ctx, "map at 0x%" PRIx64 ": the header says %" PRIu64 " entries, the walk found %" PRIu64,
			 addr, info.len, info.entries);
	if (json) {
		struct cnr_json j;
		cnr_json_init(&j, out);
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, addr);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, info.type->name);
		cnr_json_key(&j, "len");
		cnr_json_uint(&j, info.len);
		cnr_json_key(&j, "entries");
		cnr_json_uint(&j, info.entries);
		cnr_json_key(&j, "impl");
		cnr_json_string(&j, info.swiss ? "swiss" : "hmap");
		if (info.swiss) {
			cnr_json_key(&j, "dir_len");
			cnr_json_uint(&j, info.dir_len);
			cnr_json_key(&j, "tables");
			cnr_json_uint(&j, info.tables);
			cnr_json_key(&j, "groups");
			cnr_json_uint(&j, info.groups);
			cnr_json_key(&j, "tombstones");
			cnr_json_uint(&j, info.tombstones);
		} else {
			cnr_json_key(&j, "B");
			cnr_json_uint(&j, info.B);
			cnr_json_key(&j, "noverflow");
			cnr_json_uint(&j, info.noverflow);
			cnr_json_key(&j, "overflow_buckets");
			cnr_json_uint(&j, info.overflow_buckets);
			cnr_json_key(&j, "growing");
			cnr_json_bool(&j, info.growing);
		}
		json_counts(&j, "value_types", &c.types);
		if (info.key->kind == REFLECT_STRING) {
			json_counts(&j, "key_prefixes", &c.prefixes);
			json_clusters(&j, &c.clusters);
		}
		cnr_json_key(&j, "sample");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < c.entries.size; i++) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "key");
			cnr_json_string(&j, c.entries.data[i].key);
			cnr_json_key(&j, "value_type");
			cnr_json_string(&j, c.entries.data[i].value_type);
			cnr_json_key(&j, "value");
			cnr_json_hex(&j, c.entries.data[i].value);
			if (c.entries.data[i].kind == REFLECT_STRING || c.entries.data[i].kind == 23) {
				cnr_json_key(&j, "data");
				cnr_json_hex(&j, c.entries.data[i].data);
				cnr_json_key(&j, "len");
				cnr_json_uint(&j, c.entries.data[i].len);
			}
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	} else {
		fprintf(out, "map 0x%" PRIx64 " %s: len %" PRIu64 " (%" PRIu64 " entries walked)\n", addr, info.type->name,
			info.len, info.entries);
		if (info.swiss)
			fprintf(out, "swiss: directory %" PRIu64 ", %" PRIu64 " tables, %" PRIu64 " groups, %" PRIu64
				     " tombstones\n",
				info.dir_len, info.tables, info.groups, info.tombstones);
		else
			fprintf(out, "buckets: 2^%u, %" PRIu64 " overflow buckets%s\n", info.B, info.overflow_buckets,
				info.growing ? ", growing (oldbuckets not yet evacuated)" : "");
		text_counts(out, "value types", &c.types);
		if (info.key->kind == REFLECT_STRING) {
			text_counts(out, "key prefixes", &c.prefixes);
			text_clusters(out, &c.clusters);
		}
		if (c.entries.size)
			fputs("entries:\n", out);
		for (size_t i = 0; i < c.entries.size; i++)
			fprintf(out, "  %-40s %s\n", c.entries.data[i].key ? c.entries.data[i].key : "?",
				c.entries.data[i].value_type);
	}
	if (c.errors)
		cnr_warn(prog->ctx, "map at 0x%" PRIx64 ": %u values could not be read", addr, c.errors);
out:
	count_map_deinit(&c.types);
	count_map_deinit(&c.prefixes);
	cluster_map_deinit(&c.clusters);
	entry_vector_deinit(&c.entries);
	cnr_string_pool_deinit(&c.pool);
	cnr_type_cache_destroy(c.tc);
	return err;
}
