#include "report/json_writer.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "util/utf8.h"

void cnr_json_init(struct cnr_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

static void before_value(struct cnr_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void open_container(struct cnr_json *j, char c)
{
	before_value(j);
	fputc(c, j->out);
	if (j->depth + 1 < CNR_JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct cnr_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
	if (j->depth == 0)
		fputc('\n', j->out);
}

void cnr_json_begin_object(struct cnr_json *j) { open_container(j, '{'); }
void cnr_json_end_object(struct cnr_json *j) { close_container(j, '}'); }
void cnr_json_begin_array(struct cnr_json *j) { open_container(j, '['); }
void cnr_json_end_array(struct cnr_json *j) { close_container(j, ']'); }

// JSON strings must be UTF-8, but Go strings (map keys, arguments) are
// any bytes.  Bytes that are not part of well-formed UTF-8 are written as
// the private-use characters U+EF80 + (byte - 0x80) .. U+EFFF, so every
// parser accepts the output; characters that are themselves in
// U+EF80..U+EFFF are written byte by byte the same way, so the mapping is
// reversible: each character U+EF80..U+EFFF stands for the byte
// (code point - 0xEF00), every other character for its UTF-8 bytes.
static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	const unsigned char *end = (const unsigned char *)s + strlen(s);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = cnr_utf8_length(p, (size_t)(end - p));
		bool in_escape_range = n == 3 && p[0] == 0xee && p[1] >= 0xbe; // U+EF80..U+EFFF
		if (n == 0 || in_escape_range) {
			size_t bytes = n ? n : 1;
			for (size_t i = 0; i < bytes; i++)
				fprintf(out, "\\u%04x", 0xef00u + p[i]);
			p += bytes;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
	fputc('"', out);
}

void cnr_json_key(struct cnr_json *j, const char *key)
{
	before_value(j);
	write_escaped(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void cnr_json_string(struct cnr_json *j, const char *s)
{
	before_value(j);
	if (s)
		write_escaped(j->out, s);
	else
		fputs("null", j->out);
}

void cnr_json_uint(struct cnr_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRIu64, v);
}

void cnr_json_int(struct cnr_json *j, int64_t v)
{
	before_value(j);
	fprintf(j->out, "%" PRId64, v);
}

void cnr_json_bool(struct cnr_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->out);
}

void cnr_json_null(struct cnr_json *j)
{
	before_value(j);
	fputs("null", j->out);
}

void cnr_json_hex(struct cnr_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void cnr_json_decimal(struct cnr_json *j, double v)
{
	before_value(j);
	if (!isfinite(v))
		fputs("null", j->out);
	else
		fprintf(j->out, "%.1f", v);
}
