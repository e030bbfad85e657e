// A small streaming JSON writer: objects, arrays, strings escaped per RFC
// 8259, integers.  Keeps the comma state so callers just emit values.
#ifndef CNR_REPORT_JSON_WRITER_H
#define CNR_REPORT_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { CNR_JSON_MAX_DEPTH = 32 };

struct cnr_json {
	FILE *out;
	int depth;
	bool need_comma[CNR_JSON_MAX_DEPTH];
	bool after_key;
};

void cnr_json_init(struct cnr_json *j, FILE *out);
void cnr_json_begin_object(struct cnr_json *j);
void cnr_json_end_object(struct cnr_json *j);
void cnr_json_begin_array(struct cnr_json *j);
void cnr_json_end_array(struct cnr_json *j);
void cnr_json_key(struct cnr_json *j, const char *key);
void cnr_json_string(struct cnr_json *j, const char *s); // NULL -> null
void cnr_json_uint(struct cnr_json *j, uint64_t v);
void cnr_json_int(struct cnr_json *j, int64_t v);
void cnr_json_bool(struct cnr_json *j, bool v);
void cnr_json_null(struct cnr_json *j);
// Addresses as "0x..." strings: JSON numbers lose precision past 2^53.
void cnr_json_hex(struct cnr_json *j, uint64_t v);
// A number with one decimal ("12.5"); null if not finite.
void cnr_json_decimal(struct cnr_json *j, double v);

#endif
