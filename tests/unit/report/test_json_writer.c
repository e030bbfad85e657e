// JSON strings are valid UTF-8 whatever bytes they are given, and the
// mapping of bytes that are not UTF-8 to U+EF80..U+EFFF is reversible
// (the end-to-end check with a real parser is tests/corrupt/defects.py).
#include <stdlib.h>

#include "report/json_writer.h"
#include "test_util.h"

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	cr_assert(f);
	struct cnr_json j;
	cnr_json_init(&j, f);
	cnr_json_string(&j, s);
	fclose(f);
	return buf;
}

static void check(const char *s, const char *want)
{
	char *got = json_of(s);
	cr_assert_str_eq(got, want, "for %s", s);
	free(got);
}

Test(report, json_strings_keep_utf8_and_escape_the_rest_reversibly)
{
	check("map[\"user:12\"]", "\"map[\\\"user:12\\\"]\"");
	check("a\\b\n\t\x01\x7f", "\"a\\\\b\\n\\t\\u0001\\u007f\"");
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b\"");
	// Not UTF-8: a lone continuation byte, 0xff, a cut sequence, an
	// overlong '/', a surrogate, a code point past U+10FFFF.
	check("k\x80\xff", "\"k\\uef80\\uefff\"");
	check("\xe2\x82", "\"\\uefe2\\uef82\"");
	check("\xe2\x82z", "\"\\uefe2\\uef82z\"");
	check("\xc0\xaf", "\"\\uefc0\\uefaf\"");
	check("\xed\xa0\x80", "\"\\uefed\\uefa0\\uef80\"");
	check("\xf4\x90\x80\x80", "\"\\ueff4\\uef90\\uef80\\uef80\"");
	// Characters in the escape range itself go byte by byte, so that a
	// decoder cannot mistake them for escaped bytes: U+EF80 and U+EFFF.
	check("\xee\xbe\x80", "\"\\uefee\\uefbe\\uef80\"");
	check("\xee\xbf\xbf", "\"\\uefee\\uefbf\\uefbf\"");
	// Just below and above the range: written as they are.
	check("\xee\xbd\xbf", "\"\xee\xbd\xbf\"");
	check("\xef\x80\x80", "\"\xef\x80\x80\"");
}
