// Graphviz DOT strings and numbers (see dot_writer.h).
#include "report/dot_writer.h"

#include <inttypes.h>
#include <string.h>

#include "util/utf8.h"

void cnr_dot_escape(FILE *out, const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, len), shown = 0;
	for (size_t i = 0; i < n;) {
		if (max && shown == max) {
			fputs("…", out);
			return;
		}
		shown++;
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
			continue;
		}
		size_t l = c < 0x20 || c == 0x7f ? 0 : cnr_utf8_length(p + i, n - i);
		if (!l) {
			fprintf(out, "\\\\x%02x", c);
			i++;
			continue;
		}
		fwrite(p + i, 1, l, out);
		i += l;
	}
}

void cnr_dot_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	cnr_dot_escape(out, s, SIZE_MAX, 0);
	fputc('"', out);
}

void cnr_dot_format_count(uint64_t n, char *buf, size_t len)
{
	char digits[24], tmp[32];
	int nd = snprintf(digits, sizeof(digits), "%" PRIu64, n), k = 0;
	for (int i = 0; i < nd; i++) {
		if (i && (nd - i) % 3 == 0)
			tmp[k++] = ',';
		tmp[k++] = digits[i];
	}
	tmp[k] = 0;
	snprintf(buf, len, "%s", tmp);
}

void cnr_dot_format_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return;
	}
	// Tenths, rounded, in integers: the same text on every machine.
	unsigned u = 0;
	uint64_t scale = 1;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && n / scale >= 1024) {
		scale *= 1024;
		u++;
	}
	uint64_t tenths = n / scale * 10 + ((n % scale) * 10 + scale / 2) / scale;
	if (tenths >= 10240 && u + 1 < sizeof(units) / sizeof(units[0])) {
		// 1023.96 KB rounds to "1.0 MB", not "1024.0 KB".
		scale *= 1024;
		u++;
		tenths = n / scale * 10 + ((n % scale) * 10 + scale / 2) / scale;
	}
	snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10, units[u]);
}
