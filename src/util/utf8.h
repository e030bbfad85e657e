// Well-formed UTF-8 (RFC 3629), for the writers whose output must be
// valid text whatever bytes a Go string holds.
#ifndef CNR_UTIL_UTF8_H
#define CNR_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

// The length of the valid UTF-8 sequence at s (n bytes left), 0 if the
// bytes there are not one: overlong forms, surrogates and code points past
// U+10FFFF are refused, as Graphviz's decoder and strict JSON
// parsers would trip on them.
static inline size_t cnr_utf8_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

#endif
