// Retention through substrings (issue 15): a Go string that is a slice of
// a larger string (s[i:j], strings.Split, a key cut from a line) shares
// the larger string's bytes, so the whole allocation stays alive as long
// as the short string does.  For the strings a walk notes (a map's string
// keys), the heap objects their bytes live in that are substantially
// bigger than the strings themselves, and the bytes of those objects that
// no noted string covers: what dropping the substrings' hold (copying them
// with strings.Clone) would free.  A string counts as a substring when
// its bytes start past its object's first byte, or when the object is
// more than twice the string's length plus one 16-byte block (the slack
// the allocator's size classes give a string allocated on its own is far
// less); tiny-allocator blocks (16 bytes, several strings each) never do.
#ifndef CNR_ANALYSIS_SUBSTRING_WASTE_H
#define CNR_ANALYSIS_SUBSTRING_WASTE_H

#include <stdbool.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"
#include "util/hash_map.h"

DEFINE_HASH_MAP(cnr_substring_objects, uint64_t, uint64_t, cnr_hash_u64, cnr_eq_u64)

// The noted strings so far; zero-initialize, note, finish, deinit.
struct cnr_substrings {
	const struct cnr_heap_graph *hg;
	struct cnr_substring_objects used; // object id -> bytes of it the noted substrings cover
	uint64_t strings;                  // substrings noted
	uint64_t min_len, max_len;         // their lengths
	bool oom;
};

// The result: how many substrings, in how many objects of which sizes,
// and the objects' bytes past the substrings'.
struct cnr_substring_waste {
	uint64_t strings, min_len, max_len;
	uint64_t objects, min_object, max_object, object_bytes;
	uint64_t wasted;
};

void cnr_substrings_init(struct cnr_substrings *s, const struct cnr_heap_graph *hg);
// Note the string whose bytes are [data, data + len).
void cnr_substrings_note(struct cnr_substrings *s, uint64_t data, uint64_t len);
// What the noted strings keep alive beyond themselves (all 0 if none is a
// substring); false when memory ran out while noting.
bool cnr_substrings_finish(const struct cnr_substrings *s, struct cnr_substring_waste *ret);
void cnr_substrings_deinit(struct cnr_substrings *s);

#endif
