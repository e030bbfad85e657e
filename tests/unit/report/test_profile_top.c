// pprof -top's ranking of a profile (report/profile_top.c) on a profile
// built by hand, with the expected numbers worked out by hand too.
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "report/profile_top.h"

// Functions: 0 main.leaf, 1 main.mid, 2 main.main.  Locations: one per
// function (0, 1, 2), and 3 = main.leaf inlined into main.mid (two lines).
static void build(struct cnr_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->sample_types[0] = (struct cnr_profile_value_type){ "inuse_space", "bytes" };
	p->ntypes = 1;
	static const char *names[] = { "main.leaf", "main.mid", "main.main" };
	for (int i = 0; i < 3; i++) {
		cr_assert(cnr_profile_function_vector_push(&p->functions, (struct cnr_profile_function){ names[i], "x.go", 0 }));
		cr_assert(cnr_profile_line_vector_push(&p->lines, (struct cnr_profile_line){ (uint32_t)i, 10 + i }));
		cr_assert(cnr_profile_location_vector_push(&p->locations, (struct cnr_profile_location){ 0x1000 + i, (uint32_t)i, 1, false }));
	}
	cr_assert(cnr_profile_line_vector_push(&p->lines, (struct cnr_profile_line){ 0, 20 }));
	cr_assert(cnr_profile_line_vector_push(&p->lines, (struct cnr_profile_line){ 1, 21 }));
	cr_assert(cnr_profile_location_vector_push(&p->locations, (struct cnr_profile_location){ 0x2000, 3, 2, false }));
	// Sample A (100 bytes): leaf <- mid <- main.  Sample B (50): the inlined
	// location (leaf, mid) <- mid <- main: mid twice on one stack.
	uint32_t a[] = { 0, 1, 2 }, b[] = { 3, 1, 2 };
	struct cnr_profile_sample sa = { .first_location = 0, .nlocations = 3, .values = { 100 } };
	struct cnr_profile_sample sb = { .first_location = 3, .nlocations = 3, .values = { 50 } };
	for (int i = 0; i < 3; i++)
		cr_assert(cnr_profile_u32_vector_push(&p->sample_locations, a[i]));
	for (int i = 0; i < 3; i++)
		cr_assert(cnr_profile_u32_vector_push(&p->sample_locations, b[i]));
	cr_assert(cnr_profile_sample_vector_push(&p->samples, sa));
	cr_assert(cnr_profile_sample_vector_push(&p->samples, sb));
}

Test(report, profile_top_flat_cum_once_per_sample)
{
	struct cnr_profile p;
	build(&p);
	struct cnr_profile_top_row *rows;
	size_t n;
	int64_t total;
	cr_assert_null(cnr_profile_top(&p, 0, &rows, &n, &total));
	cr_assert_eq(total, 150);
	cr_assert_eq(n, 3);
	// main.leaf is the leaf line of both samples: flat 150.
	cr_assert_str_eq(rows[0].function, "main.leaf");
	cr_assert_eq(rows[0].flat, 150);
	cr_assert_eq(rows[0].cum, 150);
	// main.main and main.mid have no flat; ties by name; mid counts once per sample.
	cr_assert_str_eq(rows[1].function, "main.main");
	cr_assert_eq(rows[1].cum, 150);
	cr_assert_str_eq(rows[2].function, "main.mid");
	cr_assert_eq(rows[2].flat, 0);
	cr_assert_eq(rows[2].cum, 150);
	free(rows);
	cnr_profile_deinit(&p);
}

Test(report, profile_scaled_label_as_pprof)
{
	char buf[32];
	// github.com/google/pprof internal/measurement: 1024-based units, two
	// decimals, ".00" dropped.
	cnr_profile_scaled_label(0, "bytes", buf, sizeof(buf));
	cr_assert_str_eq(buf, "0");
	cnr_profile_scaled_label(512, "bytes", buf, sizeof(buf));
	cr_assert_str_eq(buf, "512B");
	cnr_profile_scaled_label(1536, "bytes", buf, sizeof(buf));
	cr_assert_str_eq(buf, "1.50kB");
	cnr_profile_scaled_label(5 << 20, "bytes", buf, sizeof(buf));
	cr_assert_str_eq(buf, "5MB");
	cnr_profile_scaled_label(42, "count", buf, sizeof(buf));
	cr_assert_str_eq(buf, "42");
}
