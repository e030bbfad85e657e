// pprof's protobuf (profile.proto) through protobuf-c, then gzip (zlib),
// as runtime/pprof writes it: ids from 1 in table order, string 0 "".
#include "report/pprof_writer.h"

#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST // z_stream.next_in is const: the input is only read
#include <zlib.h>

#include "cnr_internal.h"
#include "profile.pb-c.h"
#include "util/hash_map.h"

DEFINE_HASH_MAP(string_index, const char *, int64_t, cnr_hash_string, cnr_eq_string);

struct strings {
	struct string_index index;
	char **table;
	size_t n, cap;
	bool failed;
};

static int64_t str(struct strings *s, const char *v)
{
	if (!v)
		v = "";
	bool inserted;
	int64_t *slot = string_index_insert(&s->index, v, &inserted);
	if (!slot) {
		s->failed = true;
		return 0;
	}
	if (!inserted)
		return *slot;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		char **t = realloc(s->table, cap * sizeof(*t));
		if (!t) {
			s->failed = true;
			return 0;
		}
		s->table = t;
		s->cap = cap;
	}
	// protobuf-c declares string fields char * but only reads them when
	// packing: store the borrowed string without a cast.
	memcpy(&s->table[s->n], &v, sizeof(v));
	*slot = (int64_t)s->n++;
	return *slot;
}

static struct cnr_error *gzip_out(const uint8_t *buf, size_t len, FILE *out)
{
	z_stream z = { 0 };
	// windowBits 15 + 16: a gzip wrapper, as runtime/pprof's gzip.Writer.
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return &cnr_enomem;
	uLong bound = deflateBound(&z, (uLong)len);
	uint8_t *gz = malloc(bound);
	if (!gz) {
		deflateEnd(&z);
		return &cnr_enomem;
	}
	z.next_in = buf;
	z.avail_in = (uInt)len;
	z.next_out = gz;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	size_t n = bound - z.avail_out;
	deflateEnd(&z);
	struct cnr_error *err = NULL;
	if (rc != Z_STREAM_END)
		err = cnr_error_create(CNR_ERROR_INVALID, "cannot compress the profile (zlib %d)", rc);
	else if (fwrite(gz, 1, n, out) != n)
		err = cnr_error_create(CNR_ERROR_OS, "cannot write the profile");
	free(gz);
	return err;
}

struct cnr_error *cnr_pprof_write(const struct cnr_profile *p, FILE *out)
{
	struct strings s = { 0 };
	size_t ns = p->samples.size, nl = p->locations.size, nf = p->functions.size, nlines = p->lines.size;
	Perftools__Profiles__Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__ValueType vt[CNR_PROFILE_MAX_TYPES + 1], *vtp[CNR_PROFILE_MAX_TYPES];
	Perftools__Profiles__Mapping map = PERFTOOLS__PROFILES__MAPPING__INIT, *mapp = &map;
	Perftools__Profiles__Sample *samples = calloc(ns + 1, sizeof(*samples));
	Perftools__Profiles__Sample **samplep = calloc(ns + 1, sizeof(*samplep));
	Perftools__Profiles__Label *labels = calloc(ns + 1, sizeof(*labels));
	Perftools__Profiles__Label **labelp = calloc(ns + 1, sizeof(*labelp));
	uint64_t *loc_ids = calloc(p->sample_locations.size + 1, sizeof(*loc_ids));
	int64_t *values = calloc(ns * CNR_PROFILE_MAX_TYPES + 1, sizeof(*values));
	Perftools__Profiles__Location *locs = calloc(nl + 1, sizeof(*locs));
	Perftools__Profiles__Location **locp = calloc(nl + 1, sizeof(*locp));
	Perftools__Profiles__Line *lines = calloc(nlines + 1, sizeof(*lines));
	Perftools__Profiles__Line **linep = calloc(nlines + 1, sizeof(*linep));
	Perftools__Profiles__Function *funcs = calloc(nf + 1, sizeof(*funcs));
	Perftools__Profiles__Function **funcp = calloc(nf + 1, sizeof(*funcp));
	int64_t comment = 0;
	uint8_t *buf = NULL;
	struct cnr_error *err = NULL;
	if (!samples || !samplep || !labels || !labelp || !loc_ids || !values || !locs || !locp || !lines ||
	    !linep || !funcs || !funcp) {
		err = &cnr_enomem;
		goto out;
	}
	str(&s, "");
	for (size_t t = 0; t < p->ntypes; t++) {
		vt[t] = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
		vt[t].type = str(&s, p->sample_types[t].type);
		vt[t].unit = str(&s, p->sample_types[t].unit);
		vtp[t] = &vt[t];
	}
	prof.n_sample_type = p->ntypes;
	prof.sample_type = vtp;
	Perftools__Profiles__ValueType *period = &vt[CNR_PROFILE_MAX_TYPES];
	*period = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	period->type = str(&s, p->period_type.type);
	period->unit = str(&s, p->period_type.unit);
	prof.period_type = period;
	prof.period = p->period;
	int64_t bytes_key = str(&s, "bytes");
	for (size_t i = 0; i < ns; i++) {
		const struct cnr_profile_sample *sm = &p->samples.data[i];
		Perftools__Profiles__Sample *o = &samples[i];
		*o = (Perftools__Profiles__Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
		o->n_location_id = sm->nlocations;
		o->location_id = loc_ids + sm->first_location;
		for (uint32_t k = 0; k < sm->nlocations; k++)
			loc_ids[sm->first_location + k] = (uint64_t)p->sample_locations.data[sm->first_location + k] + 1;
		o->n_value = p->ntypes;
		o->value = values + i * CNR_PROFILE_MAX_TYPES;
		memcpy(o->value, sm->values, p->ntypes * sizeof(int64_t));
		if (sm->bytes_label) {
			labels[i] = (Perftools__Profiles__Label)PERFTOOLS__PROFILES__LABEL__INIT;
			labels[i].key = bytes_key;
			labels[i].num = sm->bytes_label;
			labelp[i] = &labels[i];
			o->n_label = 1;
			o->label = &labelp[i];
		}
		samplep[i] = o;
	}
	prof.n_sample = ns;
	prof.sample = samplep;
	if (p->has_mapping) {
		map.id = 1;
		map.memory_start = p->map_start;
		map.memory_limit = p->map_limit;
		map.file_offset = p->map_offset;
		map.filename = str(&s, p->map_file);
		map.build_id = str(&s, p->map_build_id);
		map.has_functions = map.has_filenames = map.has_line_numbers = map.has_inline_frames = true;
		prof.n_mapping = 1;
		prof.mapping = &mapp;
	}
	for (size_t i = 0; i < nlines; i++) {
		lines[i] = (Perftools__Profiles__Line)PERFTOOLS__PROFILES__LINE__INIT;
		lines[i].function_id = (uint64_t)p->lines.data[i].function + 1;
		lines[i].line = p->lines.data[i].line;
		linep[i] = &lines[i];
	}
	for (size_t i = 0; i < nl; i++) {
		const struct cnr_profile_location *l = &p->locations.data[i];
		locs[i] = (Perftools__Profiles__Location)PERFTOOLS__PROFILES__LOCATION__INIT;
		locs[i].id = i + 1;
		locs[i].address = l->address;
		locs[i].mapping_id = l->in_mapping ? 1 : 0;
		locs[i].n_line = l->nlines;
		locs[i].line = linep + l->first_line;
		locp[i] = &locs[i];
	}
	prof.n_location = nl;
	prof.location = locp;
	for (size_t i = 0; i < nf; i++) {
		const struct cnr_profile_function *f = &p->functions.data[i];
		funcs[i] = (Perftools__Profiles__Function)PERFTOOLS__PROFILES__FUNCTION__INIT;
		funcs[i].id = i + 1;
		funcs[i].name = funcs[i].system_name = str(&s, f->name);
		funcs[i].filename = str(&s, f->file);
		funcs[i].start_line = f->start_line;
		funcp[i] = &funcs[i];
	}
	prof.n_function = nf;
	prof.function = funcp;
	if (p->default_sample_type)
		prof.default_sample_type = str(&s, p->default_sample_type);
	if (p->comment) {
		comment = str(&s, p->comment);
		prof.n_comment = 1;
		prof.comment = &comment;
	}
	if (s.failed) {
		err = &cnr_enomem;
		goto out;
	}
	prof.n_string_table = s.n;
	prof.string_table = s.table;
	size_t len = protobuf_c_message_get_packed_size(&prof.base);
	buf = malloc(len ? len : 1);
	if (!buf) {
		err = &cnr_enomem;
		goto out;
	}
	protobuf_c_message_pack(&prof.base, buf);
	err = gzip_out(buf, len, out);
out:
	free(buf);
	free(samples), free(samplep), free(labels), free(labelp), free(loc_ids), free(values);
	free(locs), free(locp), free(lines), free(linep), free(funcs), free(funcp);
	string_index_deinit(&s.index);
	free(s.table);
	return err;
}
