// One core's side of a diff (analysis/diff_side.h) on a hand-made table,
// without a core: finding an object by address (only where one starts),
// what makes two objects the same (address, size and type), the global's
// replacement of another type or name refused, and goroutine ids.
#include <criterion/criterion.h>

#include "analysis/diff_side.h"

static const char *types[] = { "main.User", "[...]*main.Event", "main.Session" };

static struct cnr_diff_object objects[] = {
	{ .addr = 0x1000, .retained = 48, .type = 0, .size = 48, .objects = 1 },
	{ .addr = 0x2000, .retained = 4096, .type = 1, .size = 2048, .objects = 101 },
	{ .addr = 0x3000, .retained = 64, .type = 2, .size = 64, .objects = 1 },
};

static struct cnr_diff_global globals[] = {
	{ "main.events", 0x2000 },
	{ "main.other", 0x1000 },
};

static uint64_t goids[] = { 1, 5, 9, 12 };

static struct cnr_diff_side side(void)
{
	return (struct cnr_diff_side){
		.objects = objects, .nobjects = 3, .types = types, .ntypes = 3,
		.globals = globals, .nglobals = 2, .sorted_goids = goids, .ngoroutines = 4,
	};
}

Test(diff_side, find_by_start_address)
{
	struct cnr_diff_side s = side();
	struct cnr_diff_found f;
	cr_assert(cnr_diff_side_find(&s, 0x2000, &f));
	cr_assert_eq(f.retained, 4096);
	cr_assert_eq(f.objects, 101);
	cr_assert_str_eq(f.type, "[...]*main.Event");
	cr_assert_eq(f.index, 1);
	cr_assert(!cnr_diff_side_find(&s, 0x2008, &f), "inside an object is not an object's start");
	cr_assert(!cnr_diff_side_find(&s, 0xfff, &f));
	cr_assert(!cnr_diff_side_find(&s, 0x4000, &f));
}

Test(diff_side, same_object_needs_address_size_and_type)
{
	struct cnr_diff_found a = { .addr = 0x1000, .size = 48, .type = "main.User" };
	struct cnr_diff_found b = a, c = a, e = a;
	cr_assert(cnr_diff_same_object(&a, &b));
	c.size = 64; // freed and reused by another size class
	cr_assert(!cnr_diff_same_object(&a, &c));
	e.type = "main.Session"; // freed and reused by another type
	cr_assert(!cnr_diff_same_object(&a, &e));
}

Test(diff_side, replacement_through_a_global)
{
	struct cnr_diff_side s = side();
	struct cnr_diff_found f;
	cr_assert(cnr_diff_side_replacement(&s, "main.events", "[...]*main.Event", &f));
	cr_assert_eq(f.addr, 0x2000);
	cr_assert(!cnr_diff_side_replacement(&s, "main.events", "main.User", &f), "another type is no replacement");
	cr_assert(!cnr_diff_side_replacement(&s, "main.event", "[...]*main.Event", &f));
	cr_assert(!cnr_diff_side_replacement(&s, "main.zzz", "main.User", &f));
}

Test(diff_side, goroutine_ids)
{
	struct cnr_diff_side s = side();
	cr_assert(cnr_diff_side_has_goroutine(&s, 1));
	cr_assert(cnr_diff_side_has_goroutine(&s, 12));
	cr_assert(!cnr_diff_side_has_goroutine(&s, 6));
	cr_assert(!cnr_diff_side_has_goroutine(&s, 13));
}
