// An arena of immutable strings: many small copies, one free.  Strings
// stay at fixed addresses until cnr_string_pool_deinit().
#ifndef CNR_UTIL_STRING_POOL_H
#define CNR_UTIL_STRING_POOL_H

#include <stddef.h>

struct cnr_string_pool_block;

struct cnr_string_pool {
	struct cnr_string_pool_block *head;
	size_t used, capacity; // of head
};

// Copy s[0..len) plus a NUL into the pool; NULL on ENOMEM.
const char *cnr_string_pool_add(struct cnr_string_pool *pool, const char *s, size_t len);
void cnr_string_pool_deinit(struct cnr_string_pool *pool);

#endif
