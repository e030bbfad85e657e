// Map contents: one walk over a map's entries computes the value-type
// histogram, key prefixes and clusters (string keys), how deeply interface
// values nest, each entry's retained bytes (graph/edge_groups.c over the
// heap graph) and the text of the entries shown, sorted.  Reads the target
// through goruntime/; report/map_report.c and the report's and maps'
// analyses only write or summarize what it returns.
#include "analysis/map_contents.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/heap_maps.h"
#include "analysis/substring_waste.h"
#include "goruntime/heap_graph.h"
#include "goruntime/layout.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "goruntime/values.h"
#include "graph/dominators.h"
#include "graph/edge_groups.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

enum {
	MAX_KEY_SHOWN = 256,
	MAX_PREFIX = 64,
	MAX_VALUE_SHOWN = 64,   // bytes of a string value shown
	MAX_SHAPE_BYTES = 4096, // bytes of a string read for its shape
	MAX_NEST_DEPTH = CNR_MAP_MAX_NEST_DEPTH, // nested values deeper than this are not followed
	MAX_NEST_VISITS = 1 << 16, // values visited below one entry
	MAX_SHAPE = 96,
};

static const uint32_t NO_CLUSTER = UINT32_MAX;

DEFINE_HASH_MAP(count_map, const char *, uint64_t, cnr_hash_string, cnr_eq_string)

// Keys that differ only in their numbers or ids form one cluster.
struct cluster {
	const char *pattern, *sample;
	uint64_t count, key_bytes, retained;
};

DEFINE_VECTOR(cluster_vector, struct cluster)
DEFINE_HASH_MAP(cluster_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string)

// Every entry the walk found; keys and values are read again for the ones
// shown.
struct entry {
	uint64_t key, elem;   // addresses (indirect keys and values followed)
	uint64_t retained;    // UINT64_MAX: not known
	const char *sort_key; // string keys under --sort key (pool)
	uint32_t cluster;
	uint32_t leaves;      // values below the entry's value (1 for a scalar)
	uint8_t depth;        // container levels below the entry
	bool capped;          // nesting not followed to the end
};

DEFINE_VECTOR(entry_vector, struct entry)
DEFINE_VECTOR(edge_vector, struct cnr_group_edge)
DEFINE_VECTOR(u64_vector, uint64_t)

struct collect {
	struct cnr_program *prog;
	struct cnr_type_cache *tc;
	const struct cnr_map_info *info;
	const struct cnr_map_contents_opts *opts;
	struct count_map types, prefixes;
	struct cluster_map cluster_index;
	struct cluster_vector clusters;
	struct entry_vector entries;
	struct cnr_string_pool pool;
	bool iface_known;
	uint64_t itab_type_off;
	// Retained bytes: the heap graph, and every entry's pointer words.
	struct cnr_heap_graph *hg;
	const uint8_t *key_mask, *elem_mask;
	uint64_t key_words, elem_words;
	struct edge_vector edges;
	struct u64_vector edge_off;
	// Nesting.
	uint64_t depths[MAX_NEST_DEPTH + 2];
	uint64_t nested_entries, capped_entries;
	unsigned visits;
	unsigned errors;     // keys, values and internals that could not be read
	unsigned key_errors; // of which string keys' bytes
	bool headers_only;   // only what the key headers say is wanted (substring waste): unreadable key bytes are no warning
	uint64_t addr;       // the map, for the warnings
	bool text_keys;      // some key had a text: string keys, or interface keys holding strings or integers
	struct cnr_substrings substrings; // string keys that pin larger strings
};

// An unreadable key or value: said for the first few (a hostile core may
// have millions), counted for all.
static void warn(struct collect *c, struct cnr_error *err)
{
	if (c->errors++ < 16)
		cnr_warn_error(c->prog->ctx, err);
	else
		cnr_error_destroy(err);
}

// One warning for what could not be read, saying which part: the string
// keys' bytes (often in a file mapping the core does not hold), and the
// values and internals.
static void unreadable_summary(const struct collect *c)
{
	unsigned other = c->errors - c->key_errors;
	if (c->key_errors && other)
		cnr_warn(c->prog->ctx, "map at 0x%" PRIx64 ": %u string keys' bytes and %u values could not be read",
			 c->addr, c->key_errors, other);
	else if (c->key_errors)
		cnr_warn(c->prog->ctx, "map at 0x%" PRIx64 ": %u string keys' bytes could not be read", c->addr,
			 c->key_errors);
	else if (other)
		cnr_warn(c->prog->ctx, "map at 0x%" PRIx64 ": %u values could not be read", c->addr, other);
}

// Count key; the map keeps a pooled copy of it the first time it is seen.
static void count(struct collect *c, struct count_map *m, const char *key, size_t len)
{
	char buf[MAX_KEY_SHOWN + 1];
	if (len > MAX_KEY_SHOWN)
		len = MAX_KEY_SHOWN;
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

// The dynamic type of the interface value at addr, counting what cannot
// be read (cnr_value_dynamic_type).
static const char *dynamic_type(struct collect *c, const struct cnr_rtype *iface, uint64_t addr,
				const struct cnr_rtype **type_ret)
{
	struct cnr_error *err = NULL;
	bool unreadable = false;
	const char *name = cnr_value_dynamic_type(c->prog, c->tc, c->itab_type_off, iface, addr, type_ret, &unreadable,
						  &err);
	if (err)
		warn(c, err);
	c->errors += unreadable;
	return name;
}

// Where an interface's value lives (cnr_value_interface_data), counting
// an unreadable data word.
static uint64_t interface_value(struct collect *c, uint64_t addr, const struct cnr_rtype *t)
{
	bool unreadable = false;
	uint64_t v = cnr_value_interface_data(c->prog, addr, t, &unreadable);
	c->errors += unreadable;
	return v;
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

// The classes --redact shows: ASCII letters and digits, other printable
// ASCII (kept as itself), and the rest (bytes past ASCII, control bytes).
enum char_class { CH_LOWER, CH_UPPER, CH_DIGIT, CH_PUNCT, CH_OTHER };

struct classes {
	bool lower, upper, digit, other;
};

static enum char_class char_class(unsigned char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return CH_LOWER;
	if (ch >= 'A' && ch <= 'Z')
		return CH_UPPER;
	if (ch >= '0' && ch <= '9')
		return CH_DIGIT;
	return ch >= 0x20 && ch < 0x7f ? CH_PUNCT : CH_OTHER;
}

// Note ch's class in c (printable punctuation is not noted); return it.
static enum char_class note_class(struct classes *c, unsigned char ch)
{
	enum char_class k = char_class(ch);
	c->lower |= k == CH_LOWER;
	c->upper |= k == CH_UPPER;
	c->digit |= k == CH_DIGIT;
	c->other |= k == CH_OTHER;
	return k;
}

// --redact: a key pattern with its literal letters replaced by their
// class and count ("sess:{hex}" -> "{a-z4}:{hex}"); placeholders and
// punctuation stay.
static void redact_pattern(const char *pat, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = pat; *p && o + 16 < len;) {
		// Only the placeholders key_pattern() writes: a '{' of the key
		// itself is punctuation.
		static const char *const holders[] = { "{n}", "{hex}", "{uuid}" };
		size_t h = 0;
		while (h < 3 && strncmp(p, holders[h], strlen(holders[h])) != 0)
			h++;
		if (h < 3) {
			o += (size_t)snprintf(out + o, len - o, "%s", holders[h]);
			p += strlen(holders[h]);
			continue;
		}
		struct classes c = { 0 };
		size_t n = 0;
		while (p[n] && char_class((unsigned char)p[n]) != CH_PUNCT)
			note_class(&c, (unsigned char)p[n++]);
		if (!n) {
			out[o++] = *p++; // punctuation and spaces stay
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "{%s%s%s%s%zu}", c.upper ? "A-Z" : "", c.lower ? "a-z" : "",
				      c.digit ? "0-9" : "", c.other ? "~" : "", n);
		p += n;
	}
	out[o < len ? o : len - 1] = '\0';
}

// --redact: a string's shape, its length and character classes:
// "str(12:a-z0-9:)" for "user:1234567"; ~ for bytes outside printable
// ASCII.  s holds the first n of the string's len bytes.
static void string_shape(const char *s, size_t n, uint64_t len, char *out, size_t outlen)
{
	bool seen[128] = { false };
	struct classes c = { 0 };
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (note_class(&c, ch) == CH_PUNCT)
			seen[ch] = true;
	}
	size_t o = (size_t)snprintf(out, outlen, "str(%" PRIu64 ":%s%s%s", len, c.lower ? "a-z" : "",
				    c.upper ? "A-Z" : "", c.digit ? "0-9" : "");
	for (int ch = 0x20; ch < 0x7f && o + 4 < outlen; ch++) {
		if (seen[ch])
			out[o++] = (char)ch;
	}
	if (o + 4 < outlen) {
		if (c.other)
			out[o++] = '~';
		if (n < len)
			out[o++] = '+'; // classes of the first bytes only
		out[o++] = ')';
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

// Printable text of s (n bytes): \xNN for the rest; "..." if cut.
static void escape(const char *s, size_t n, uint64_t len, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 8 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
	}
	if (n < len && o + 4 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
}

static void cluster_key(struct collect *c, const char *key, uint64_t len, uint32_t *index_ret)
{
	char pat[MAX_KEY_SHOWN + 16];
	key_pattern(key, pat, sizeof(pat));
	uint32_t *i = cluster_map_get(&c->cluster_index, pat);
	if (!i) {
		const char *copy = cnr_string_pool_add(&c->pool, pat, strlen(pat));
		const char *sample = cnr_string_pool_add(&c->pool, key, strlen(key));
		bool inserted;
		if (!copy || !sample || !(i = cluster_map_insert(&c->cluster_index, copy, &inserted)))
			return;
		*i = (uint32_t)c->clusters.size;
		if (!cluster_vector_push(&c->clusters, (struct cluster){ copy, sample, 0, 0, 0 })) {
			*i = NO_CLUSTER;
			return;
		}
	}
	if (*i == NO_CLUSTER)
		return;
	c->clusters.data[*i].count++;
	c->clusters.data[*i].key_bytes += len;
	*index_ret = *i;
}

static uint32_t node_of(struct collect *c, uint64_t addr)
{
	uint64_t id = addr ? cnr_heap_graph_object(c->hg, addr) : UINT64_MAX;
	return id == UINT64_MAX ? CNR_GRAPH_NO_NODE : (uint32_t)id;
}

// The pointer words of a key or value slot, as edges from the slot's
// holder: the one word of an indirect slot, else the words the type's
// pointer mask names.
static void slot_words(struct collect *c, uint64_t slot, bool indirect, const uint8_t *mask, uint64_t nwords)
{
	uint32_t holder = node_of(c, slot);
	uint64_t words[MAX_KEY_SHOWN / 8 * 2];
	if (indirect) {
		mask = (const uint8_t *)"\1";
		nwords = 1;
	}
	if (!nwords)
		return;
	if (nwords > sizeof(words) / 8 || !cnr_memory_readable(&c->prog->mem, slot, words, nwords * 8)) {
		c->errors++;
		return;
	}
	for (uint64_t w = 0; w < nwords; w++) {
		if (mask[w / 8] >> (w % 8) & 1)
			edge_vector_push(&c->edges, (struct cnr_group_edge){ holder, node_of(c, words[w]) });
	}
}

struct nest {
	struct collect *c;
	const struct cnr_rtype *elem;
	unsigned depth;
	uint32_t leaves;
	uint8_t max_depth; // below the container
	bool capped;
};

static void nest_value(struct collect *c, const struct cnr_rtype *t, uint64_t addr, unsigned depth,
		       struct nest *ret);

static void nest_entry(void *arg, uint64_t key, uint64_t elem)
{
	(void)key;
	struct nest *n = arg;
	struct nest child = { 0 };
	nest_value(n->c, n->elem, elem, n->depth + 1, &child);
	n->leaves += child.leaves;
	if (child.max_depth > n->max_depth)
		n->max_depth = child.max_depth;
	n->capped |= child.capped;
}

// How deeply the value of type t at addr nests: a map or slice of
// interfaces (map[string]interface{}, []interface{}) is a container, of
// depth 1 + its deepest value (1 if empty) and as many leaves as its values
// have; anything else is one leaf of depth 0.  Capped in depth and visits
// against cycles and hostile cores.
static void nest_value(struct collect *c, const struct cnr_rtype *t, uint64_t addr, unsigned depth,
		       struct nest *ret)
{
	*ret = (struct nest){ .c = c };
	if (c->visits++ >= MAX_NEST_VISITS || depth > MAX_NEST_DEPTH) {
		ret->capped = true;
		return;
	}
	if (t && t->kind == CNR_KIND_INTERFACE) {
		const struct cnr_rtype *dt;
		dynamic_type(c, t, addr, &dt);
		if (!dt) {
			ret->leaves = 1; // nil
			return;
		}
		t = dt;
		addr = interface_value(c, addr, dt);
	}
	const struct cnr_rtype *e = NULL;
	if (!t || (t->kind != CNR_KIND_MAP && t->kind != CNR_KIND_SLICE) || cnr_type_elem(c->tc, t, &e) != NULL ||
	    e->kind != CNR_KIND_INTERFACE) {
		ret->leaves = 1;
		return;
	}
	ret->max_depth = 1;
	struct nest n = { .c = c, .elem = e, .depth = depth, .max_depth = 0 };
	if (t->kind == CNR_KIND_MAP) {
		uint64_t header;
		struct cnr_map_info info;
		struct cnr_error *err = cnr_memory_read_u64(&c->prog->mem, addr, &header);
		if (!err && header)
			err = cnr_map_walk(c->prog, c->tc, header, t->addr, nest_entry, &n, &info);
		if (err) {
			cnr_error_destroy(err);
			c->errors++;
		}
	} else {
		uint64_t hdr[2];
		if (!cnr_memory_readable(&c->prog->mem, addr, hdr, sizeof(hdr))) {
			c->errors++;
			return;
		}
		for (uint64_t i = 0; i < hdr[1] && !n.capped; i++) {
			if (c->visits >= MAX_NEST_VISITS) {
				n.capped = true;
				break;
			}
			nest_entry(&n, 0, hdr[0] + i * e->size);
		}
	}
	ret->leaves = n.leaves;
	ret->max_depth = (uint8_t)(1 + n.max_depth);
	ret->capped = n.capped;
}

// The text of a key as the program wrote it, for prefixes, clusters and
// sorting: a string key's first bytes, or an interface key's dynamic
// string, or integer as decimal text (which clusters as {n}).  buf has room
// for MAX_KEY_SHOWN + 1; *n_ret the bytes in it; a string's bytes are
// noted for substring waste.  False for keys of no such kind.
static bool key_text(struct collect *c, uint64_t key, char *buf, size_t *n_ret, uint64_t *len_ret)
{
	const struct cnr_rtype *kt = c->info->key;
	if (kt->kind == CNR_KIND_INTERFACE) {
		dynamic_type(c, kt, key, &kt);
		key = kt ? interface_value(c, key, kt) : 0;
		if (!kt || !key)
			return false;
		if (kt->kind >= CNR_KIND_INT && kt->kind <= CNR_KIND_UINTPTR) {
			if (!cnr_value_integer_text(c->prog, kt, key, buf, MAX_KEY_SHOWN + 1)) {
				c->errors++;
				return false;
			}
			*n_ret = strlen(buf);
			*len_ret = *n_ret;
			return true;
		}
	}
	if (kt->kind != CNR_KIND_STRING)
		return false;
	// Only the first bytes matter: the prefix, the cluster, the key sorted on.
	uint64_t hdr[2];
	struct cnr_error *err = cnr_memory_read(&c->prog->mem, key, hdr, sizeof(hdr));
	size_t n = 0;
	if (!err) {
		// The header alone says whether the key pins a larger heap string;
		// its bytes may lie where the core holds none (a file mapping).
		cnr_substrings_note(&c->substrings, hdr[0], hdr[1]);
		n = hdr[1] < MAX_KEY_SHOWN ? (size_t)hdr[1] : MAX_KEY_SHOWN;
		err = cnr_memory_read(&c->prog->mem, hdr[0], buf, n);
		if (err && c->headers_only) {
			cnr_error_destroy(err);
			return false;
		}
	}
	if (err) {
		c->key_errors++;
		warn(c, cnr_error_wrap(err, "map at 0x%" PRIx64 ": the bytes of a string key", c->addr));
		return false;
	}
	buf[n] = '\0';
	*n_ret = n;
	*len_ret = hdr[1];
	return true;
}

static void on_entry(void *arg, uint64_t key, uint64_t elem)
{
	struct collect *c = arg;
	const struct cnr_map_info *info = c->info;
	struct entry e = { .key = key, .elem = elem, .cluster = NO_CLUSTER };
	// cnr_map_walk resolved the key and value types before the first entry.
	if (!c->iface_known) {
		c->iface_known = true;
		if (c->hg) {
			struct cnr_error *err = cnr_type_ptrmask(c->tc, info->key, &c->key_mask, &c->key_words);
			if (!err)
				err = cnr_type_ptrmask(c->tc, info->elem, &c->elem_mask, &c->elem_words);
			if (err)
				warn(c, err);
		}
	}
	char buf[MAX_KEY_SHOWN + 1];
	size_t kn;
	uint64_t klen;
	if (key_text(c, key, buf, &kn, &klen)) {
		c->text_keys = true;
		// Key prefix up to the first ':', the separator kept ("user:"); the
		// whole key if none.
		size_t plen = strcspn(buf, ":");
		plen += buf[plen] == ':';
		count(c, &c->prefixes, buf, plen < MAX_PREFIX ? plen : MAX_PREFIX);
		cluster_key(c, buf, klen, &e.cluster);
		if (c->opts->sort == CNR_MAP_SORT_KEY)
			e.sort_key = cnr_string_pool_add(&c->pool, buf, kn);
	}
	const struct cnr_rtype *dt = info->elem;
	const char *vt = info->elem->kind == CNR_KIND_INTERFACE ? dynamic_type(c, info->elem, elem, &dt)
								 : (info->elem->name ? info->elem->name : "?");
	count(c, &c->types, vt, strlen(vt));
	if (c->hg) {
		if (!edge_vector_reserve(&c->edges, c->edges.size + 4))
			c->errors++;
		slot_words(c, info->key_slot, info->key_slot != key, c->key_mask, c->key_words);
		slot_words(c, info->elem_slot, info->elem_slot != elem, c->elem_mask, c->elem_words);
		u64_vector_push(&c->edge_off, c->edges.size);
	}
	struct nest n;
	c->visits = 0;
	nest_value(c, info->elem, elem, 0, &n);
	e.depth = n.max_depth;
	e.leaves = n.leaves;
	e.capped = n.capped;
	c->depths[e.depth <= MAX_NEST_DEPTH ? e.depth : MAX_NEST_DEPTH + 1]++;
	c->nested_entries += e.depth > 0;
	c->capped_entries += e.capped;
	// In walk order without retained bytes, only the entries shown are kept.
	if ((c->hg || c->opts->sort != CNR_MAP_SORT_WALK || c->entries.size < c->opts->limit) &&
	    !entry_vector_push(&c->entries, e))
		c->errors++;
}

// --- output -----------------------------------------------------------

struct shown {
	char key[MAX_KEY_SHOWN * 4 + 16];
	char value[MAX_SHAPE + MAX_KEY_SHOWN * 4 + 16];
	const char *value_type;
	uint64_t value_addr, data, len;
	bool has_data;
	bool quoted; // value is a string's text
};

// The text (or --redact shape) of a string at addr (its header): at most
// max bytes; *quoted_ret set where it is the string's text (that text
// output shows in quotes).
static void string_text(struct collect *c, uint64_t addr, bool redact, size_t max, bool *quoted_ret, char *out, size_t len)
{
	uint64_t hdr[2];
	char buf[MAX_SHAPE_BYTES];
	if (redact)
		max = MAX_SHAPE_BYTES;
	if (!cnr_memory_readable(&c->prog->mem, addr, hdr, sizeof(hdr))) {
		snprintf(out, len, "(unreadable)");
		return;
	}
	size_t n = hdr[1] < max ? (size_t)hdr[1] : max;
	if (!cnr_memory_readable(&c->prog->mem, hdr[0], buf, n)) {
		snprintf(out, len, "(unreadable)");
		return;
	}
	if (redact) {
		string_shape(buf, n, hdr[1], out, len);
		return;
	}
	char esc[MAX_KEY_SHOWN * 4 + 8];
	escape(buf, n, hdr[1], esc, sizeof(esc));
	snprintf(out, len, "%s", esc);
	*quoted_ret = true;
}

// The shown content of a value of type t at addr: strings quoted, numbers
// and booleans as Go prints them, lengths of maps and slices, addresses
// of the rest.  Redacted: numbers and booleans by type, strings by shape.
static void value_text(struct collect *c, const struct cnr_rtype *t, uint64_t addr, bool redact, size_t max,
		       bool *quoted_ret, char *out, size_t len)
{
	if (!t) {
		snprintf(out, len, "nil");
		return;
	}
	const char *name = t->name ? t->name : "?";
	if (t->kind == CNR_KIND_STRING) {
		string_text(c, addr, redact, max, quoted_ret, out, len);
	} else if (redact && (t->kind == CNR_KIND_BOOL || (t->kind >= CNR_KIND_INT && t->kind <= CNR_KIND_UINTPTR))) {
		snprintf(out, len, "%s", name);
	} else if (t->kind == CNR_KIND_BOOL) {
		uint8_t b = 0;
		if (cnr_memory_readable(&c->prog->mem, addr, &b, 1))
			snprintf(out, len, "%s", b ? "true" : "false");
		else
			snprintf(out, len, "(unreadable)");
	} else if (t->kind >= CNR_KIND_INT && t->kind <= CNR_KIND_UINTPTR) {
		if (!cnr_value_integer_text(c->prog, t, addr, out, len))
			snprintf(out, len, "(unreadable)");
	} else if (t->kind == CNR_KIND_FLOAT64 || t->kind == CNR_KIND_FLOAT32) {
		double d = 0;
		float f = 0;
		struct cnr_error *err = t->kind == CNR_KIND_FLOAT64 ? cnr_memory_read(&c->prog->mem, addr, &d, 8)
								  : cnr_memory_read(&c->prog->mem, addr, &f, 4);
		if (t->kind == CNR_KIND_FLOAT32)
			d = f;
		if (redact)
			snprintf(out, len, "%s", name);
		else if (err)
			snprintf(out, len, "(unreadable)");
		else
			snprintf(out, len, "%.17g", d);
		cnr_error_destroy(err);
	} else if (t->kind == CNR_KIND_SLICE) {
		uint64_t hdr[3];
		if (cnr_memory_readable(&c->prog->mem, addr, hdr, sizeof(hdr)))
			snprintf(out, len, "len %" PRIu64 " cap %" PRIu64, hdr[1], hdr[2]);
		else
			snprintf(out, len, "(unreadable)");
	} else if (t->kind == CNR_KIND_MAP) {
		uint64_t header = 0;
		struct cnr_map_info info;
		struct cnr_error *err = cnr_memory_read_u64(&c->prog->mem, addr, &header);
		if (!err && header)
			err = cnr_map_walk(c->prog, c->tc, header, t->addr, NULL, NULL, &info);
		if (err)
			snprintf(out, len, "(unreadable)");
		else
			snprintf(out, len, "len %" PRIu64, header ? info.len : 0);
		cnr_error_destroy(err);
	} else if (cnr_rtype_pointer_shaped(t)) {
		uint64_t p = 0;
		if (cnr_memory_readable_u64(&c->prog->mem, addr, &p))
			snprintf(out, len, "0x%" PRIx64, p);
		else
			snprintf(out, len, "(unreadable)");
	} else {
		snprintf(out, len, "@0x%" PRIx64, addr);
	}
}

// The text of entry e as shown: key and value (reading them again).
static void show_entry(struct collect *c, const struct entry *e, struct shown *s)
{
	const struct cnr_map_info *info = c->info;
	bool redact = c->opts->redact;
	memset(s, 0, sizeof(*s));
	const struct cnr_rtype *kt = info->key;
	bool key_quoted = false; // keys are shown unquoted
	uint64_t key = e->key;
	if (kt->kind == CNR_KIND_INTERFACE) {
		// An interface key as its dynamic value, where that is a string,
		// a number or a boolean.
		const struct cnr_rtype *dt;
		dynamic_type(c, kt, e->key, &dt);
		uint64_t v = dt ? interface_value(c, e->key, dt) : 0;
		if (v) {
			kt = dt;
			key = v;
		}
	}
	if (kt->kind == CNR_KIND_STRING || kt->kind == CNR_KIND_BOOL ||
	    (kt->kind >= CNR_KIND_INT && kt->kind <= CNR_KIND_FLOAT64))
		value_text(c, kt, key, redact, MAX_KEY_SHOWN, &key_quoted, s->key, sizeof(s->key));
	else
		snprintf(s->key, sizeof(s->key), "@0x%" PRIx64, e->key);
	const struct cnr_rtype *dt = info->elem;
	uint64_t v = e->elem;
	if (info->elem->kind == CNR_KIND_INTERFACE) {
		s->value_type = dynamic_type(c, info->elem, e->elem, &dt);
		v = interface_value(c, e->elem, dt);
	} else {
		s->value_type = dt->name ? dt->name : "?";
	}
	s->value_addr = v;
	if (dt && v && (dt->kind == CNR_KIND_STRING || dt->kind == CNR_KIND_SLICE)) {
		uint64_t hdr[2];
		if (cnr_memory_readable(&c->prog->mem, v, hdr, sizeof(hdr))) {
			s->has_data = true;
			s->data = hdr[0];
			s->len = hdr[1];
		}
	}
	if (dt && !v)
		snprintf(s->value, sizeof(s->value), "(unreadable)");
	else
		value_text(c, dt, v, redact, MAX_VALUE_SHOWN, &s->quoted, s->value, sizeof(s->value));
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

// The counts of m, most first (ties by name): deterministic output.  With
// --redact, names become their redacted patterns and counts merge.
static struct sorted *sorted_counts(struct collect *c, const struct count_map *m, bool redact, size_t *n_ret)
{
	struct sorted *v = malloc((m->size ? m->size : 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return NULL;
	struct count_map merged = { 0 };
	for (size_t i = 0; m->slots && i <= m->mask; i++) {
		if (!m->slots[i].used)
			continue;
		if (!redact) {
			v[n++] = (struct sorted){ m->slots[i].key, m->slots[i].value };
			continue;
		}
		char pat[MAX_KEY_SHOWN + 16], red[MAX_KEY_SHOWN * 2 + 16];
		key_pattern(m->slots[i].key, pat, sizeof(pat));
		redact_pattern(pat, red, sizeof(red));
		uint64_t *slot = count_map_get(&merged, red);
		bool inserted;
		if (!slot) {
			const char *copy = cnr_string_pool_add(&c->pool, red, strlen(red));
			if (!copy || !(slot = count_map_insert(&merged, copy, &inserted)))
				continue;
			*slot = 0;
		}
		*slot += m->slots[i].value;
	}
	for (size_t i = 0; redact && merged.slots && i <= merged.mask; i++) {
		if (merged.slots[i].used)
			v[n++] = (struct sorted){ merged.slots[i].key, merged.slots[i].value };
	}
	count_map_deinit(&merged);
	qsort(v, n, sizeof(*v), cmp_sorted);
	*n_ret = n;
	return v;
}

static int cmp_cluster_count(const void *a, const void *b)
{
	const struct cluster *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->pattern, y->pattern);
}

static int cmp_cluster_retained(const void *a, const void *b)
{
	const struct cluster *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return cmp_cluster_count(a, b);
}

static const char *cluster_pattern(const struct cluster *cl, bool redact, char *buf, size_t len)
{
	if (!redact)
		return cl->pattern;
	redact_pattern(cl->pattern, buf, len);
	return buf;
}

static int cmp_key(const struct collect *c, const struct entry *x, const struct entry *y)
{
	const struct cnr_rtype *kt = c->info->key;
	if (kt->kind == CNR_KIND_STRING || kt->kind == CNR_KIND_INTERFACE) {
		// Interface keys by their text (strings, integers in decimal).
		int r = strcmp(x->sort_key ? x->sort_key : "", y->sort_key ? y->sort_key : "");
		if (r)
			return r;
	} else if (kt->kind >= CNR_KIND_INT && kt->kind <= CNR_KIND_UINTPTR && kt->size <= 8) {
		uint64_t a = 0, b = 0;
		bool sgn = kt->kind <= CNR_KIND_INT64;
		if (cnr_memory_readable(&c->prog->mem, x->key, &a, kt->size) &&
		    cnr_memory_readable(&c->prog->mem, y->key, &b, kt->size)) {
			int shift = 64 - 8 * (int)kt->size;
			if (sgn ? ((int64_t)(a << shift) >> shift) != ((int64_t)(b << shift) >> shift) : a != b)
				return sgn ? (((int64_t)(a << shift) >> shift) < ((int64_t)(b << shift) >> shift) ? -1 : 1)
					   : (a < b ? -1 : 1);
		}
	}
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_entry(const void *a, const void *b, void *arg)
{
	const struct collect *c = arg;
	const struct entry *x = a, *y = b;
	if (c->opts->sort == CNR_MAP_SORT_RETAINED && x->retained != y->retained) {
		// Unknown (UINT64_MAX) last.
		uint64_t rx = x->retained + 1, ry = y->retained + 1;
		return rx > ry ? -1 : 1;
	}
	return cmp_key(c, x, y);
}

// The map's own and retained bytes (analysis/heap_maps.c: the one
// definition every command shows), each entry's retained bytes and the
// cluster totals.  An entry whose slot lies in internals the header does not
// own (a parked iterator holds the buckets or the table too) is part of
// nothing the map alone would free: it retains 0 here, so that what the
// entries retain is always within what the map retains.
static struct cnr_error *entries_retained(struct collect *c, uint64_t addr, struct cnr_map_contents *mc)
{
	uint32_t header = node_of(c, addr);
	uint64_t ignored;
	if (header >= cnr_graph_node_count(c->hg->graph)) {
		cnr_info(c->prog->ctx, "map at 0x%" PRIx64 ": its header is not a heap object; no retained bytes", addr);
		mc->has_retained = false;
		return NULL;
	}
	struct cnr_error *err = cnr_graph_compute_retained(c->hg->graph);
	if (!err)
		err = cnr_map_own_bytes(c->hg, header, &mc->shallow_bytes, &mc->retained_bytes);
	if (err)
		return err;
	size_t n = c->entries.size;
	uint64_t *ret = malloc((n ? n : 1) * sizeof(*ret));
	uint64_t *off = malloc((n + 1) * sizeof(*off));
	if (!ret || !off || c->edge_off.size != n) {
		free(ret);
		free(off);
		return &cnr_enomem;
	}
	off[0] = 0;
	memcpy(off + 1, c->edge_off.data, n * sizeof(*off));
	err = cnr_graph_edge_groups_retained(c->hg->graph, header, c->edges.data, off, n, ret, &ignored);
	uint64_t sum = 0, unknown = 0, shared = 0;
	for (size_t i = 0; !err && i < n; i++) {
		struct entry *e = &c->entries.data[i];
		if (ret[i] != UINT64_MAX && ret[i] && !cnr_map_owns(c->hg, header, c->edges.data[off[i]].holder)) {
			shared++;
			ret[i] = 0;
		}
		e->retained = ret[i];
		if (ret[i] == UINT64_MAX) {
			unknown++;
			continue;
		}
		sum += ret[i];
		if (e->cluster != NO_CLUSTER)
			c->clusters.data[e->cluster].retained += ret[i];
	}
	if (unknown)
		cnr_info(c->prog->ctx, "map at 0x%" PRIx64 ": %" PRIu64 " entries sit outside the heap; their retained bytes are not known",
			 addr, unknown);
	if (shared)
		cnr_info(c->prog->ctx, "map at 0x%" PRIx64 ": %" PRIu64 " entries sit in buckets or tables that something else "
			 "holds too (an iterator): what they hold is not the map's alone, counted 0", addr, shared);
	mc->entries_retained_bytes = sum;
	free(ret);
	free(off);
	return err;
}

// The counts of m, most first, as the model's array (names in the pool).
static struct cnr_map_count *model_counts(struct collect *c, const struct count_map *m, bool redact, size_t *n_ret)
{
	size_t n;
	struct sorted *v = sorted_counts(c, m, redact, &n);
	struct cnr_map_count *r = v ? calloc(n ? n : 1, sizeof(*r)) : NULL;
	for (size_t i = 0; r && i < n; i++)
		r[i] = (struct cnr_map_count){ .name = v[i].name, .count = v[i].n };
	free(v);
	*n_ret = r ? n : 0;
	return r;
}

static const char *keep(struct collect *c, const char *s, bool *oom)
{
	const char *k = cnr_string_pool_add(&c->pool, s, strlen(s));
	*oom |= !k;
	return k;
}

// Walk the map, the header's count checked against what the walk found.
static struct cnr_error *walk(struct collect *c, uint64_t addr, uint64_t type_addr, struct cnr_map_info *info)
{
	struct cnr_error *err = cnr_map_walk(c->prog, c->tc, addr, type_addr, on_entry, c, info);
	if (!err && info->entries != info->len)
		cnr_warn(c->prog->ctx, "map at 0x%" PRIx64 ": the header says %" PRIu64 " entries, the walk found %" PRIu64,
			 addr, info->len, info->entries);
	return err;
}

// The deepest nesting any entry has.
static uint64_t max_depth(const struct collect *c)
{
	uint64_t max = 0;
	for (unsigned d = 0; d <= MAX_NEST_DEPTH + 1; d++) {
		if (c->depths[d])
			max = d;
	}
	return max;
}

// Free what the walk collected (not the pool: the model takes it).
static void collect_deinit(struct collect *c)
{
	count_map_deinit(&c->types);
	count_map_deinit(&c->prefixes);
	cnr_substrings_deinit(&c->substrings);
	cluster_map_deinit(&c->cluster_index);
	cluster_vector_deinit(&c->clusters);
	entry_vector_deinit(&c->entries);
	edge_vector_deinit(&c->edges);
	u64_vector_deinit(&c->edge_off);
}

// The heap profile's sites of what the map retains.
static struct cnr_error *map_alloc_sites(struct cnr_program *prog, const struct cnr_heap_graph *hg, uint64_t addr,
					 struct cnr_map_contents *mc)
{
	if (!(mc->join = calloc(1, sizeof(*mc->join))))
		return &cnr_enomem;
	struct cnr_error *err = cnr_alloc_join_load(prog, hg, mc->join);
	if (err) {
		free(mc->join);
		mc->join = NULL;
		return err;
	}
	uint64_t id = cnr_heap_graph_object(hg, addr);
	if (mc->join->sites && id != UINT64_MAX)
		err = cnr_alloc_sites_retained_by(mc->join->sites, (uint32_t)id, &mc->sites, &mc->nsites);
	return err;
}

struct cnr_error *cnr_map_contents_build(struct cnr_program *prog, uint64_t addr, uint64_t type_addr,
					 const struct cnr_map_contents_opts *opts, struct cnr_map_contents *ret)
{
	struct collect c = { .prog = prog, .opts = opts, .addr = addr };
	struct cnr_map_contents mc = { .redacted = opts->redact, .has_retained = opts->retained, .sort = opts->sort };
	struct cnr_heap_graph hg;
	struct cluster *clusters = NULL;
	bool oom = false;
	struct cnr_error *err = cnr_type_cache_create(prog, &c.tc);
	if (err)
		return err;
	c.info = &mc.info;
	err = cnr_dwarf_offsetof(prog->dwarf, cnr_layout_itab_type(prog->dwarf), "Type|_type", &c.itab_type_off);
	if (err)
		goto out;
	if (opts->retained) {
		if ((err = cnr_heap_graph_build(prog, &hg)))
			goto out;
		if ((err = cnr_heap_typing_build(prog, &hg))) {
			cnr_heap_graph_deinit(&hg);
			goto out;
		}
		c.hg = &hg;
	}
	cnr_substrings_init(&c.substrings, c.hg);
	if (!type_addr) {
		// The heap's typing knows the map types it propagated to headers.
		uint64_t id = c.hg ? cnr_heap_graph_object(c.hg, addr) : UINT64_MAX;
		const struct cnr_obj_type *t = id != UINT64_MAX ? cnr_heap_graph_type(c.hg, (uint32_t)id) : NULL;
		if (!t || !t->map_rtype) {
			err = cnr_error_create(CNR_ERROR_INVALID,
					       "cannot tell the type of the map at 0x%" PRIx64 "%s; pass it with --type 'map[K]V'",
					       addr, c.hg ? "" : " without the heap graph");
			goto out;
		}
		type_addr = t->map_rtype;
	}
	if ((err = walk(&c, addr, type_addr, &mc.info)))
		goto out;
	if (c.hg && (err = entries_retained(&c, addr, &mc)))
		goto out;
	if (c.hg && (err = map_alloc_sites(prog, c.hg, addr, &mc)))
		goto out;
	if (opts->sort != CNR_MAP_SORT_WALK && c.entries.size) {
		qsort_r(c.entries.data, c.entries.size, sizeof(*c.entries.data), cmp_entry, &c);
	}
	size_t nclusters = c.clusters.size;
	clusters = malloc((nclusters ? nclusters : 1) * sizeof(*clusters));
	if (!clusters) {
		err = &cnr_enomem;
		goto out;
	}
	if (nclusters)
		memcpy(clusters, c.clusters.data, nclusters * sizeof(*clusters));
	if (nclusters)
		qsort(clusters, nclusters, sizeof(*clusters), c.hg ? cmp_cluster_retained : cmp_cluster_count);
	mc.max_depth = max_depth(&c);
	memcpy(mc.depths, c.depths, sizeof(mc.depths));
	mc.nested_entries = c.nested_entries;
	mc.capped_entries = c.capped_entries;
	mc.value_types = model_counts(&c, &c.types, false, &mc.nvalue_types);
	oom |= !mc.value_types;
	oom |= !cnr_substrings_finish(&c.substrings, &mc.substrings);
	mc.key_texts = mc.info.key->kind == CNR_KIND_STRING || c.text_keys;
	if (mc.key_texts) {
		mc.key_prefixes = model_counts(&c, &c.prefixes, opts->redact, &mc.nkey_prefixes);
		mc.clusters = calloc(nclusters ? nclusters : 1, sizeof(*mc.clusters));
		oom |= !mc.key_prefixes || !mc.clusters;
		for (size_t i = 0; !oom && i < nclusters; i++) {
			char buf[MAX_KEY_SHOWN * 2 + 16];
			const struct cluster *cl = &clusters[i];
			mc.clusters[i] = (struct cnr_map_cluster){ keep(&c, cluster_pattern(cl, opts->redact, buf, sizeof(buf)), &oom),
								   opts->redact ? NULL : cl->sample, cl->count, cl->key_bytes,
								   cl->retained };
		}
		mc.nclusters = oom ? 0 : nclusters;
	}
	size_t shown = c.entries.size < opts->limit ? c.entries.size : opts->limit;
	mc.entries = calloc(shown ? shown : 1, sizeof(*mc.entries));
	oom |= !mc.entries;
	for (size_t i = 0; !oom && i < shown; i++) {
		const struct entry *e = &c.entries.data[i];
		struct shown sh;
		show_entry(&c, e, &sh);
		mc.entries[i] = (struct cnr_map_entry_view){
			.key = keep(&c, sh.key, &oom), .value = keep(&c, sh.value, &oom), .value_type = keep(&c, sh.value_type, &oom),
			.value_quoted = sh.quoted, .value_addr = sh.value_addr, .has_data = sh.has_data, .data = sh.data,
			.len = sh.len, .retained = e->retained, .depth = e->depth, .leaves = e->leaves, .capped = e->capped,
		};
		mc.nentries = i + 1;
	}
	if (oom) {
		err = &cnr_enomem;
		goto out;
	}
	mc.errors = c.errors;
	unreadable_summary(&c);
out:
	free(clusters);
	if (c.hg) {
		cnr_heap_typing_release(c.hg);
		cnr_heap_graph_deinit(c.hg);
	}
	collect_deinit(&c);
	mc.pool = c.pool;
	mc.tc = c.tc;
	if (err) {
		cnr_map_contents_deinit(&mc);
		return err;
	}
	*ret = mc;
	return NULL;
}

void cnr_map_contents_deinit(struct cnr_map_contents *mc)
{
	free(mc->sites);
	if (mc->join) {
		cnr_alloc_join_deinit(mc->join);
		free(mc->join);
	}
	free(mc->value_types);
	free(mc->key_prefixes);
	free(mc->clusters);
	free(mc->entries);
	cnr_string_pool_deinit(&mc->pool);
	cnr_type_cache_destroy(mc->tc);
	memset(mc, 0, sizeof(*mc));
}

static struct cnr_error *summarize(struct cnr_program *prog, struct cnr_type_cache *tc,
				   const struct cnr_heap_graph *hg, uint64_t addr, uint64_t type_addr, bool headers_only,
				   struct cnr_map_summary *ret)
{
	static const struct cnr_map_contents_opts opts = { .limit = 0, .sort = CNR_MAP_SORT_WALK };
	struct collect c = { .prog = prog, .tc = tc, .opts = &opts, .addr = addr, .headers_only = headers_only };
	struct cnr_map_summary s = { 0 };
	c.info = &s.info;
	cnr_substrings_init(&c.substrings, hg);
	struct cnr_error *err = cnr_dwarf_offsetof(prog->dwarf, cnr_layout_itab_type(prog->dwarf), "Type|_type",
						   &c.itab_type_off);
	if (!err)
		err = walk(&c, addr, type_addr, &s.info);
	if (!err) {
		s.value_types = model_counts(&c, &c.types, false, &s.nvalue_types);
		s.clusters = calloc(c.clusters.size ? c.clusters.size : 1, sizeof(*s.clusters));
		if (!s.value_types || !s.clusters)
			err = &cnr_enomem;
	}
	if (!err) {
		if (c.clusters.size)
			qsort(c.clusters.data, c.clusters.size, sizeof(*c.clusters.data), cmp_cluster_count);
		for (size_t i = 0; i < c.clusters.size; i++) {
			const struct cluster *cl = &c.clusters.data[i];
			s.clusters[i] = (struct cnr_map_count){ cl->pattern, cl->sample, cl->count, cl->key_bytes };
		}
		s.nclusters = c.clusters.size;
		if (!cnr_substrings_finish(&c.substrings, &s.substrings))
			err = &cnr_enomem;
		s.nested_entries = c.nested_entries;
		s.max_depth = max_depth(&c);
		s.errors = c.errors;
		unreadable_summary(&c);
	}
	collect_deinit(&c);
	s.pool = c.pool;
	if (err) {
		cnr_map_summary_deinit(&s);
		return err;
	}
	*ret = s;
	return NULL;
}

struct cnr_error *cnr_map_summarize(struct cnr_program *prog, struct cnr_type_cache *tc,
				    const struct cnr_heap_graph *hg, uint64_t addr, uint64_t type_addr,
				    struct cnr_map_summary *ret)
{
	return summarize(prog, tc, hg, addr, type_addr, false, ret);
}

struct cnr_error *cnr_map_substrings(struct cnr_program *prog, struct cnr_type_cache *tc,
				     const struct cnr_heap_graph *hg, uint64_t addr, uint64_t type_addr,
				     struct cnr_substring_waste *ret)
{
	struct cnr_map_summary sum;
	struct cnr_error *err = summarize(prog, tc, hg, addr, type_addr, true, &sum);
	if (err)
		return err;
	*ret = sum.substrings;
	cnr_map_summary_deinit(&sum);
	return NULL;
}

void cnr_map_summary_deinit(struct cnr_map_summary *s)
{
	free(s->value_types);
	free(s->clusters);
	cnr_string_pool_deinit(&s->pool);
	memset(s, 0, sizeof(*s));
}

void cnr_map_escape_text(const char *s, char *out, size_t outlen)
{
	escape(s, strlen(s), strlen(s), out, outlen);
}
