// The heap histogram with retained sizes (`coroner top`, and the top types
// of `coroner report`): live objects grouped by type (as typing found it,
// else by size class), by root or by goroutine, each group with its count,
// shallow bytes and the bytes it retains.
#ifndef CNR_ANALYSIS_TOP_H
#define CNR_ANALYSIS_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "goruntime/heap_graph.h"

enum cnr_top_group {
	CNR_TOP_BY_TYPE, // one row per type (or size class of untyped objects)
	CNR_TOP_BY_ROOT, // one row per root entry whose value is a heap object
	CNR_TOP_BY_GOROUTINE, // one row per goroutine with roots (analysis/goroutine_roots.h)
};

enum cnr_top_sort {
	CNR_TOP_SORT_RETAINED,
	CNR_TOP_SORT_SHALLOW,
	CNR_TOP_SORT_COUNT,
};

struct cnr_top_row {
	char label[256]; // the type name, "unknown (48-byte class, pointers)", or the root's name
	uint64_t count, shallow, retained;
	uint32_t group;  // by type: the row's group in cnr_top_type_groups()'s group_of (1 ..); else 0
};

// The name of object id's group by type, as top prints it: its type name,
// else "unknown (48-byte class, pointers)" (what `path --type` accepts).
void cnr_top_type_group_name(const struct cnr_heap_graph *hg, uint32_t id, char *buf, size_t len);

// The rows of hg's live heap (dominators and retained sizes computed), in
// sort order, ties by label.  By type, a group retains the bytes dominated
// by its outermost members (those with no ancestor of the same group in the
// dominator tree): what would go if the members went, each byte counted
// once per group.  By root, a row is the retained size of the root's
// object.  By goroutine, count is the goroutine's root entries, shallow
// the objects they point at (each once), retained what would go if the
// goroutine went (cnr_goroutine_sets_retained()).  *ret (*count_ret rows)
// is freed with free().
struct cnr_error *cnr_top_rows(struct cnr_heap_graph *hg, enum cnr_top_group group, enum cnr_top_sort sort,
			       struct cnr_top_row **ret, size_t *count_ret);

// By type, as cnr_top_rows(), and the group of every node: group_of[id]
// is the row's group (cnr_top_row.group, 1 .. *count_ret), 0 for objects
// in no row.  *group_of_ret ([node count]) is freed with free().
struct cnr_error *cnr_top_type_groups(struct cnr_heap_graph *hg, enum cnr_top_sort sort, struct cnr_top_row **ret,
				      size_t *count_ret, uint32_t **group_of_ret);

// The allocation sites of what each of rows[0 .. n) retains (by type,
// rows and group_of from cnr_top_type_groups(), nrows of them in all),
// from join (which has a profile: join->sites).
struct cnr_alloc_join;
struct cnr_alloc_sites_list;
struct cnr_error *cnr_top_row_sites(const struct cnr_alloc_join *join, const uint32_t *group_of, size_t nrows,
				    const struct cnr_top_row *rows, size_t n, struct cnr_alloc_sites_list *ret);

// Sort rows (as cnr_top_rows() does): by the key, largest first, ties by label.
void cnr_top_sort(struct cnr_top_row *rows, size_t n, enum cnr_top_sort sort);

#endif
