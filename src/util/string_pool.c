#include "util/string_pool.h"

#include <stdlib.h>
#include <string.h>

struct cnr_string_pool_block {
	struct cnr_string_pool_block *next;
	char data[];
};

enum { BLOCK_SIZE = 64 * 1024 };

const char *cnr_string_pool_add(struct cnr_string_pool *pool, const char *s, size_t len)
{
	if (!pool->head || pool->capacity - pool->used < len + 1) {
		size_t cap = len + 1 > BLOCK_SIZE ? len + 1 : BLOCK_SIZE;
		struct cnr_string_pool_block *b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = pool->head;
		pool->head = b;
		pool->used = 0;
		pool->capacity = cap;
	}
	char *p = pool->head->data + pool->used;
	memcpy(p, s, len);
	p[len] = '\0';
	pool->used += len + 1;
	return p;
}

void cnr_string_pool_deinit(struct cnr_string_pool *pool)
{
	struct cnr_string_pool_block *b = pool->head;
	while (b) {
		struct cnr_string_pool_block *next = b->next;
		free(b);
		b = next;
	}
	pool->head = NULL;
	pool->used = pool->capacity = 0;
}
