// CNR_PARTITION_POINT against a linear scan (the independent computation):
// every key of sorted arrays with runs of duplicates, below, between and
// above them, as upper and lower bounds, and the empty and one-element
// arrays.
#include <inttypes.h>
#include <stdint.h>

#include "test_util.h"
#include "util/search.h"

static size_t linear_upper(const uint64_t *a, size_t n, uint64_t x)
{
	size_t k = 0;
	while (k < n && a[k] <= x)
		k++;
	return k;
}

static size_t linear_lower(const uint64_t *a, size_t n, uint64_t x)
{
	size_t k = 0;
	while (k < n && a[k] < x)
		k++;
	return k;
}

Test(util, partition_point_equals_a_linear_scan)
{
	enum { MAX_N = 67 };
	uint64_t a[MAX_N];
	unsigned checked = 0;
	for (size_t n = 0; n <= MAX_N; n++) {
		// Keys 10, 10, 20, 30, 30, 30, 40, ...: duplicates and gaps.
		for (size_t k = 0; k < n; k++)
			a[k] = 10 * (k - k / 3);
		uint64_t top = n ? a[n - 1] + 10 : 10;
		for (uint64_t x = 0; x <= top; x++) {
			cr_assert_eq(CNR_PARTITION_POINT(n, i, a[i] <= x), linear_upper(a, n, x), "n %zu x %" PRIu64, n, x);
			cr_assert_eq(CNR_PARTITION_POINT(n, i, a[i] < x), linear_lower(a, n, x), "n %zu x %" PRIu64, n, x);
			checked++;
		}
	}
	cr_assert_gt(checked, 1000);
}

Test(util, partition_point_of_extremes)
{
	const uint64_t a[] = { 0, 1, UINT64_MAX - 1, UINT64_MAX };
	cr_assert_eq(CNR_PARTITION_POINT(0, i, a[i] <= 5), 0);
	cr_assert_eq(CNR_PARTITION_POINT(4, i, a[i] <= 0), 1);
	cr_assert_eq(CNR_PARTITION_POINT(4, i, a[i] <= UINT64_MAX), 4);
	cr_assert_eq(CNR_PARTITION_POINT(4, i, a[i] < UINT64_MAX), 3);
	// The index expression is evaluated only for indexes inside [0, n).
	size_t big = (size_t)1 << 40, probes = 0;
	cr_assert_eq(CNR_PARTITION_POINT(big, i, (probes++, i < 12345)), 12345);
	cr_assert_leq(probes, 41);
}
