// DOT strings and numbers: whatever bytes a map key holds, the label is
// one Graphviz reads back as written (checked by hand with dot 2.43:
// `dot -Tjson0` gives the label text, `dot -Tsvg` renders without
// warnings), and the numbers read the same on every machine.
#include <stdlib.h>

#include "report/dot_writer.h"
#include "test_util.h"

static char *escaped(const char *s, size_t len, size_t max)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	cr_assert(f);
	cnr_dot_escape(f, s, len, max);
	fclose(f);
	return buf;
}

static void check(const char *s, size_t len, size_t max, const char *want)
{
	char *got = escaped(s, len, max);
	cr_assert_str_eq(got, want);
	free(got);
}

Test(report, dot_escapes_quotes_backslashes_and_bytes_that_are_not_utf8)
{
	check("map[\"user:12\"]", SIZE_MAX, 0, "map[\\\"user:12\\\"]");
	// A backslash is doubled: "\n" or "\N" in a key is not a line break
	// or the node's name for Graphviz.
	check("a\\nb\\N", SIZE_MAX, 0, "a\\\\nb\\\\N");
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b", SIZE_MAX, 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b");
	// Not UTF-8: a lone continuation byte, 0xff, a truncated sequence, an
	// overlong '/', a surrogate; control characters too.
	check("k\x80\xff", SIZE_MAX, 0, "k\\\\x80\\\\xff");
	check("\xe2\x82", SIZE_MAX, 0, "\\\\xe2\\\\x82");
	check("\xc0\xaf", SIZE_MAX, 0, "\\\\xc0\\\\xaf");
	check("\xed\xa0\x80", SIZE_MAX, 0, "\\\\xed\\\\xa0\\\\x80");
	check("a\nb\t\x7f", SIZE_MAX, 0, "a\\\\x0ab\\\\x09\\\\x7f");
	// len bounds the bytes read: NUL or not.
	check("abc\xc3\xa9", 4, 0, "abc\\\\xc3");
	check("ab\0cd", 5, 0, "ab");
	check("", SIZE_MAX, 0, "");
}

Test(report, dot_truncates_long_labels_by_characters)
{
	check("abcdef", SIZE_MAX, 3, "abc…");
	check("abc", SIZE_MAX, 3, "abc");
	check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", SIZE_MAX, 2, "\xc3\xa9\xc3\xa9…");
	check("\"\"\"\"", SIZE_MAX, 2, "\\\"\\\"…");
}

Test(report, dot_quoted_string)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	cnr_dot_quoted(f, "say \"hi\"\\");
	fclose(f);
	cr_assert_str_eq(buf, "\"say \\\"hi\\\"\\\\\"");
	free(buf);
}

Test(report, dot_numbers)
{
	static const struct {
		uint64_t n;
		const char *count, *bytes;
	} cases[] = {
		{ 0, "0", "0 B" },
		{ 999, "999", "999 B" },
		{ 1000, "1,000", "1000 B" },
		{ 1023, "1,023", "1023 B" },
		{ 1024, "1,024", "1.0 KB" },
		{ 1536, "1,536", "1.5 KB" },
		{ 1048575, "1,048,575", "1.0 MB" },
		{ 4998213, "4,998,213", "4.8 MB" },
		{ 1288490188, "1,288,490,188", "1.2 GB" },
		{ UINT64_MAX, "18,446,744,073,709,551,615", "16.0 EB" },
	};
	for (size_t i = 0; i < CNR_ARRAY_SIZE(cases); i++) {
		char buf[64];
		cnr_dot_format_count(cases[i].n, buf, sizeof(buf));
		cr_assert_str_eq(buf, cases[i].count);
		cnr_dot_format_bytes(cases[i].n, buf, sizeof(buf));
		cr_assert_str_eq(buf, cases[i].bytes, "%" PRIu64 ": %s, want %s", cases[i].n, buf, cases[i].bytes);
	}
}
