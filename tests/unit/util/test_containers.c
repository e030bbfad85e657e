// The typed containers everything else is built on: vectors, hash maps
// and the string pool.
#include <stdio.h>

#include "test_util.h"
#include "util/hash_map.h"
#include "util/string_pool.h"
#include "util/vector.h"

DEFINE_VECTOR(test_u64_vector, uint64_t)

struct pair {
	uint32_t a;
	char b[13]; // an odd size, to catch element-size mistakes
};
DEFINE_VECTOR(test_pair_vector, struct pair)

DEFINE_HASH_MAP(test_u64_map, uint64_t, uint64_t, cnr_hash_u64, cnr_eq_u64)
DEFINE_HASH_MAP(test_str_map, const char *, uint32_t, cnr_hash_string, cnr_eq_string)

Test(util, vector_push_many_keeps_order)
{
	struct test_u64_vector v = { 0 };
	for (uint64_t i = 0; i < 100000; i++)
		cr_assert(test_u64_vector_push(&v, i * 3));
	cr_assert_eq(v.size, 100000);
	cr_assert_geq(v.capacity, v.size);
	for (uint64_t i = 0; i < v.size; i++)
		cr_assert_eq(v.data[i], i * 3);
	test_u64_vector_shrink(&v);
	cr_assert_eq(v.capacity, v.size);
	cr_assert_eq(v.data[99999], 99999 * 3);
	test_u64_vector_deinit(&v);
	cr_assert_null(v.data);
	cr_assert_eq(v.size, 0);
	cr_assert_eq(v.capacity, 0);
	test_u64_vector_deinit(&v); // twice is harmless
}

Test(util, vector_of_structs)
{
	struct test_pair_vector v = { 0 };
	for (uint32_t i = 0; i < 1000; i++) {
		struct pair *p = test_pair_vector_append(&v);
		cr_assert_not_null(p);
		p->a = i;
		snprintf(p->b, sizeof(p->b), "#%u", i);
	}
	for (uint32_t i = 0; i < 1000; i++) {
		char want[13];
		snprintf(want, sizeof(want), "#%u", i);
		cr_assert_eq(v.data[i].a, i);
		cr_assert_str_eq(v.data[i].b, want);
	}
	test_pair_vector_deinit(&v);
}

Test(util, vector_reserve)
{
	struct test_u64_vector v = { 0 };
	cr_assert(test_u64_vector_reserve(&v, 1000));
	cr_assert_geq(v.capacity, 1000);
	uint64_t *data = v.data;
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert(test_u64_vector_push(&v, i));
	cr_assert_eq(v.data, data, "pushing within the reserve moved the data");
	// A count whose byte size overflows fails cleanly, leaving v intact.
	cr_assert_not(test_u64_vector_reserve(&v, SIZE_MAX));
	cr_assert_not(test_u64_vector_reserve(&v, SIZE_MAX / 8 + 1));
	cr_assert_eq(v.size, 1000);
	cr_assert_eq(v.data[999], 999);
	test_u64_vector_deinit(&v);
}

Test(util, vector_shrink_of_empty_vector)
{
	struct test_u64_vector v = { 0 };
	test_u64_vector_shrink(&v);
	cr_assert_null(v.data);
	cr_assert(test_u64_vector_reserve(&v, 10));
	test_u64_vector_shrink(&v); // size 0: keeps its buffer, must not crash
	test_u64_vector_deinit(&v);
}

Test(util, u64_map_insert_and_get_many)
{
	struct test_u64_map m = { 0 };
	uint64_t k;
	cr_assert_null(test_u64_map_get(&m, 1), "lookup in an empty map");
	enum { N = 200000 };
	// Keys with the shape of addresses: sequential and page-strided.
	for (uint64_t i = 0; i < N; i++) {
		bool inserted = false;
		k = 0xc000000000 + i * 0x2000;
		uint64_t *v = test_u64_map_insert(&m, k, &inserted);
		cr_assert_not_null(v);
		cr_assert(inserted, "key %" PRIu64 " was already present", i);
		*v = i;
	}
	cr_assert_eq(m.size, N);
	// The table grew to keep its load under 3/4, as a power of two.
	cr_assert_geq((m.mask + 1) * 3, m.size * 4);
	cr_assert_eq((m.mask + 1) & m.mask, 0);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t *v = test_u64_map_get(&m, 0xc000000000 + i * 0x2000);
		cr_assert_not_null(v, "key %" PRIu64 " lost", i);
		cr_assert_eq(*v, i);
	}
	cr_assert_null(test_u64_map_get(&m, 0xc000000000 + 0x1000));
	cr_assert_null(test_u64_map_get(&m, 0));
	test_u64_map_deinit(&m);
	cr_assert_null(test_u64_map_get(&m, 0xc000000000), "lookup after deinit");
}

Test(util, u64_map_insert_keeps_first_value)
{
	struct test_u64_map m = { 0 };
	bool inserted;
	*test_u64_map_insert(&m, 42, &inserted) = 1;
	cr_assert(inserted);
	uint64_t *v = test_u64_map_insert(&m, 42, &inserted);
	cr_assert_not(inserted);
	cr_assert_eq(*v, 1);
	cr_assert_eq(m.size, 1);
	// Zero and all-ones are ordinary keys.
	*test_u64_map_insert(&m, 0, &inserted) = 7;
	*test_u64_map_insert(&m, UINT64_MAX, &inserted) = 8;
	cr_assert_eq(*test_u64_map_get(&m, 0), 7);
	cr_assert_eq(*test_u64_map_get(&m, UINT64_MAX), 8);
	test_u64_map_deinit(&m);
}

Test(util, u64_map_matches_reference_under_random_inserts)
{
	// Random keys from a small range, so that many repeat; a plain array
	// is the reference.
	enum { RANGE = 50000 };
	static uint32_t ref[RANGE]; // 0: absent, else value
	struct test_u64_map m = { 0 };
	uint64_t s = 99;
	for (int i = 0; i < 100000; i++) {
		uint64_t k = cnr_test_rand(&s) % RANGE;
		bool inserted;
		uint64_t *v = test_u64_map_insert(&m, k * 0x1000, &inserted);
		cr_assert_not_null(v);
		cr_assert_eq(inserted, ref[k] == 0);
		if (inserted) {
			ref[k] = (uint32_t)i + 1;
			*v = ref[k];
		}
	}
	size_t present = 0;
	for (uint64_t k = 0; k < RANGE; k++) {
		uint64_t *v = test_u64_map_get(&m, k * 0x1000);
		if (!ref[k]) {
			cr_assert_null(v);
			continue;
		}
		present++;
		cr_assert_not_null(v);
		cr_assert_eq(*v, ref[k]);
	}
	cr_assert_eq(m.size, present);
	test_u64_map_deinit(&m);
}

Test(util, string_map_with_pooled_keys)
{
	struct cnr_string_pool pool = { 0 };
	struct test_str_map m = { 0 };
	enum { N = 20000 };
	char name[64];
	for (uint32_t i = 0; i < N; i++) {
		int len = snprintf(name, sizeof(name), "runtime.func%u", i);
		// Keys are borrowed: they live in the pool, not in name.
		const char *key = cnr_string_pool_add(&pool, name, (size_t)len);
		cr_assert_not_null(key);
		bool inserted;
		uint32_t *v = test_str_map_insert(&m, key, &inserted);
		cr_assert_not_null(v);
		cr_assert(inserted);
		*v = i;
	}
	cr_assert_eq(m.size, N);
	for (uint32_t i = 0; i < N; i++) {
		// Lookups with a different buffer holding the same text.
		snprintf(name, sizeof(name), "runtime.func%u", i);
		uint32_t *v = test_str_map_get(&m, name);
		cr_assert_not_null(v, "'%s' lost", name);
		cr_assert_eq(*v, i);
	}
	cr_assert_null(test_str_map_get(&m, "runtime.func"));
	cr_assert_null(test_str_map_get(&m, ""));
	bool inserted;
	*test_str_map_insert(&m, "", &inserted) = 123;
	cr_assert(inserted);
	cr_assert_eq(*test_str_map_get(&m, ""), 123);
	test_str_map_deinit(&m);
	cnr_string_pool_deinit(&pool);
}

Test(util, string_pool_strings_are_stable_copies)
{
	struct cnr_string_pool pool = { 0 };
	enum { N = 50000 };
	const char **got = calloc(N, sizeof(*got));
	cr_assert_not_null(got);
	char buf[64];
	// Enough strings to fill several blocks: earlier ones must not move.
	for (int i = 0; i < N; i++) {
		int len = snprintf(buf, sizeof(buf), "string number %d", i);
		got[i] = cnr_string_pool_add(&pool, buf, (size_t)len);
		cr_assert_not_null(got[i]);
		memset(buf, 'x', sizeof(buf)); // the pool must hold its own copy
	}
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "string number %d", i);
		cr_assert_str_eq(got[i], buf);
	}
	free(got);
	cnr_string_pool_deinit(&pool);
	cr_assert_null(pool.head);
	cnr_string_pool_deinit(&pool); // twice is harmless
}

Test(util, string_pool_length_limited_and_large_strings)
{
	struct cnr_string_pool pool = { 0 };
	// Only len bytes are copied, and a NUL is added: sources need not be
	// terminated (names inside notes are not).
	const char *a = cnr_string_pool_add(&pool, "abcdef", 3);
	cr_assert_str_eq(a, "abc");
	const char *e = cnr_string_pool_add(&pool, "ignored", 0);
	cr_assert_str_eq(e, "");
	// Larger than a block: gets a block of its own.
	size_t big = 200 * 1024;
	char *src = malloc(big);
	cr_assert_not_null(src);
	memset(src, 'q', big);
	const char *b = cnr_string_pool_add(&pool, src, big);
	cr_assert_not_null(b);
	cr_assert_eq(strlen(b), big);
	cr_assert(memcmp(b, src, big) == 0);
	free(src);
	// Small strings after it still work, and the earlier ones are intact.
	const char *c = cnr_string_pool_add(&pool, "after", 5);
	cr_assert_str_eq(c, "after");
	cr_assert_str_eq(a, "abc");
	cr_assert_str_eq(e, "");
	// Embedded NULs are copied as bytes.
	const char *d = cnr_string_pool_add(&pool, "x\0y", 3);
	cr_assert(memcmp(d, "x\0y\0", 4) == 0);
	cnr_string_pool_deinit(&pool);
}
