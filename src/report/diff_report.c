// `coroner diff` written out (see diff_report.h): the model of
// analysis/diff.h as text or as JSON of the same structure.
#include "report/diff_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/dot_writer.h"
#include "report/json_writer.h"

enum {
	MAX_COUNTS_SHOWN = 6, // key clusters and value types per map, in text
	MAX_KEY_TEXT = 256,   // bytes of an escaped key cluster or sample shown
};

static const char *bytes_text(uint64_t n, char *buf, size_t len)
{
	cnr_dot_format_bytes(n, buf, len);
	return buf;
}

// "+1234" / "-1234" / "0".
static const char *signed_text(int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, v > 0 ? "+%" PRId64 : "%" PRId64, v);
	return buf;
}

// "+1.2 MB" / "-3.4 KB" for a byte delta.
static const char *signed_bytes(int64_t v, char (*buf)[48])
{
	char b[32];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	snprintf(*buf, sizeof(*buf), "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", bytes_text(mag, b, sizeof(b)));
	return *buf;
}

static const char *esc(const char *s, char *buf, size_t len)
{
	cnr_map_escape_text(s ? s : "", buf, len);
	return buf;
}

static size_t shown(size_t n, uint32_t top)
{
	return n < top ? n : top;
}

// --- text -----------------------------------------------------------------------

static void text_header(const struct cnr_diff *d, FILE *out)
{
	const struct cnr_program_info *o = &d->old->info, *n = &d->new_->info;
	fprintf(out, "DIFF\n  old          %s\n  new          %s\n", o->core_path, n->core_path);
	fprintf(out, "  executable   %s (%s, build id %s)\n", n->exe_path, n->go_version ? n->go_version : "?",
		n->build_id_core ? n->build_id_core : "not read");
	if (d->same_pid)
		fprintf(out, "  process      pid %d in both cores\n", n->pid);
	else
		fprintf(out, "  process      pid %d -> pid %d: not one process, addresses compared anyway\n", o->pid, n->pid);
	if (d->has_interval)
		fprintf(out, "  interval     %.1f s between the cores (the runtime's clock)\n", (double)d->interval_ns / 1e9);
	else
		fputs("  interval     unknown (the cores do not say their time)\n", out);
}

static void text_summary(const struct cnr_diff *d, FILE *out)
{
	fprintf(out, "\n%-18s %14s %14s %14s %9s%s\n", "SUMMARY", "old", "new", "delta", "%",
		d->has_interval ? "   per minute" : "");
	for (size_t i = 0; i < d->nstats; i++) {
		const struct cnr_diff_stat *s = &d->stats[i];
		char delta[32], pct[32] = "-", rate[64] = "", rb[48];
		signed_text(s->delta, delta, sizeof(delta));
		if (s->has_percent)
			snprintf(pct, sizeof(pct), "%+.1f%%", s->percent);
		if (s->has_rate && s->bytes)
			snprintf(rate, sizeof(rate), "   %s/min", signed_bytes((int64_t)s->per_minute, &rb));
		else if (s->has_rate)
			snprintf(rate, sizeof(rate), "   %+.1f/min", s->per_minute);
		fprintf(out, "  %-16s %14" PRIu64 " %14" PRIu64 " %14s %9s%s\n", s->name, s->old, s->new_, delta, pct, rate);
	}
}

static void text_counts(const char *label, const struct cnr_diff_count *c, size_t n, FILE *out)
{
	char name[MAX_KEY_TEXT], sample[MAX_KEY_TEXT], delta[32];
	for (size_t i = 0; i < n && i < MAX_COUNTS_SHOWN; i++) {
		fprintf(out, "      %-10s %s %" PRIu64 " -> %" PRIu64 " (%s)", i ? "" : label, esc(c[i].name, name, sizeof(name)),
			c[i].old, c[i].new_, signed_text(c[i].delta, delta, sizeof(delta)));
		if (c[i].sample)
			fprintf(out, ", e.g. %s", esc(c[i].sample, sample, sizeof(sample)));
		fputc('\n', out);
	}
	if (n > MAX_COUNTS_SHOWN)
		fprintf(out, "      %-10s ... %zu more\n", "", n - MAX_COUNTS_SHOWN);
}

static void text_change(size_t rank, const struct cnr_diff_change *c, FILE *out)
{
	char a[32], b[32], dl[32], db[48];
	uint64_t addr = c->addr_new ? c->addr_new : c->addr_old;
	fprintf(out, "\n  #%zu %s at 0x%" PRIx64 "%s\n", rank, c->type, addr, c->is_map ? " (map)" : "");
	fprintf(out, "      held by    %s\n", c->path);
	if (c->moved)
		fprintf(out, "      matched    by its path: another object of its type, at 0x%" PRIx64 " in the old core\n",
			c->addr_old);
	else if (!c->addr_old)
		fputs("      matched    not live in the old core\n", out);
	else if (!c->addr_new)
		fputs("      matched    not live in the new core (freed)\n", out);
	fprintf(out, "      retains    %s -> %s (%s", bytes_text(c->retained_old, a, sizeof(a)),
		bytes_text(c->retained_new, b, sizeof(b)), signed_bytes(c->delta, &db));
	if (c->retained_old)
		fprintf(out, ", %+.1f%%", 100.0 * (double)c->delta / (double)c->retained_old);
	fprintf(out, "), objects %" PRIu64 " -> %" PRIu64 " (%s)\n", c->objects_old, c->objects_new,
		signed_text((int64_t)(c->objects_new - c->objects_old), dl, sizeof(dl)));
	if (c->is_map && (c->has_len_old || c->has_len_new)) {
		fputs("      map len    ", out);
		if (c->has_len_old)
			fprintf(out, "%" PRIu64, c->len_old);
		else
			fputs("?", out);
		fputs(" -> ", out);
		if (c->has_len_new)
			fprintf(out, "%" PRIu64, c->len_new);
		else
			fputs("?", out);
		if (c->has_len_old && c->has_len_new)
			fprintf(out, " (%s)", signed_text((int64_t)(c->len_new - c->len_old), dl, sizeof(dl)));
		fputc('\n', out);
	}
	text_counts("keys", c->clusters, c->nclusters, out);
	text_counts("values", c->value_types, c->nvalue_types, out);
}

static void text_rows(const struct cnr_diff_objects_row *r, size_t n, uint32_t top, const char *sign, FILE *out)
{
	char b[32];
	for (size_t i = 0; i < shown(n, top); i++) {
		fprintf(out, "  %s%" PRIu64 " %s (%s)", sign, r[i].count, r[i].type, bytes_text(r[i].bytes, b, sizeof(b)));
		if (r[i].holder)
			fprintf(out, " under %s", r[i].holder);
		fputc('\n', out);
	}
	if (n > top)
		fprintf(out, "  ... %zu more\n", n - top);
}

static void text_site(const char *created_by, const char *site, FILE *out)
{
	if (*created_by)
		fprintf(out, " created by %s%s%s%s", created_by, *site ? " (" : "", site, *site ? ")" : "");
}

static void text_goroutines(const struct cnr_diff *d, uint32_t top, FILE *out)
{
	char a[32], b[32], dl[32];
	fprintf(out, "\nGOROUTINES: %zu -> %zu; groups whose count changed: %zu\n", d->old->ngoroutines,
		d->new_->ngoroutines, d->ngroups);
	for (size_t i = 0; i < shown(d->ngroups, top); i++) {
		const struct cnr_diff_group_row *g = &d->groups[i];
		fprintf(out, "  %" PRIu32 " -> %" PRIu32 " (%s) [%s] %s", g->old, g->new_,
			signed_text((int64_t)g->new_ - g->old, dl, sizeof(dl)), g->state, g->function);
		text_site(g->created_by, g->site, out);
		fprintf(out, ", roots retain %s -> %s\n", bytes_text(g->retained_old, a, sizeof(a)),
			bytes_text(g->retained_new, b, sizeof(b)));
	}
	if (d->ngroups > top)
		fprintf(out, "  ... %zu more\n", d->ngroups - top);
	fputs("\n  new and blocked (live only in the new core):", out);
	fputs(d->nnew_goroutines ? "\n" : " none\n", out);
	for (size_t i = 0; i < shown(d->nnew_goroutines, top); i++) {
		const struct cnr_diff_new_goroutines *g = &d->new_goroutines[i];
		fprintf(out, "  +%" PRIu32 " goroutine%s in %s in %s", g->count, g->count == 1 ? "" : "s", g->state, g->function);
		text_site(g->created_by, g->site, out);
		fprintf(out, ", retaining %" PRIu64 " bytes (%s)\n", g->retained, bytes_text(g->retained, a, sizeof(a)));
	}
	if (d->nnew_goroutines > top)
		fprintf(out, "  ... %zu more\n", d->nnew_goroutines - top);
}

static void text_report(const struct cnr_diff *d, uint32_t top, FILE *out)
{
	char a[32], b[32];
	text_header(d, out);
	text_summary(d, out);
	fprintf(out, "\nWHAT GREW: %zu accumulation point%s, by retained-bytes growth\n", d->ngrew, d->ngrew == 1 ? "" : "s");
	if (!d->ngrew)
		fputs("  nothing\n", out);
	for (size_t i = 0; i < shown(d->ngrew, top); i++)
		text_change(i + 1, &d->grew[i], out);
	if (d->ngrew > top)
		fprintf(out, "\n  ... %zu more\n", d->ngrew - top);
	fprintf(out, "\nNEW OBJECTS: %" PRIu64 " (%s) live only in the new core, by type and holder\n", d->new_count,
		bytes_text(d->new_bytes, a, sizeof(a)));
	text_rows(d->new_objects, d->nnew_rows, top, "+", out);
	text_goroutines(d, top, out);
	fprintf(out, "\nWHAT SHRANK: %zu accumulation point%s\n", d->nshrank, d->nshrank == 1 ? "" : "s");
	if (!d->nshrank)
		fputs("  nothing\n", out);
	for (size_t i = 0; i < shown(d->nshrank, top); i++)
		text_change(i + 1, &d->shrank[i], out);
	if (d->nshrank > top)
		fprintf(out, "\n  ... %zu more\n", d->nshrank - top);
	fprintf(out, "\nFREED: %" PRIu64 " objects (%s) live in the old core are not in the new one\n", d->freed_count,
		bytes_text(d->freed_bytes, b, sizeof(b)));
	text_rows(d->freed, d->nfreed_rows, top, "-", out);
}

// --- JSON -----------------------------------------------------------------------

static void json_core(struct cnr_json *j, const char *key, const struct cnr_diff_side *s)
{
	cnr_json_key(j, key);
	cnr_json_begin_object(j);
	cnr_json_key(j, "core");
	cnr_json_string(j, s->info.core_path);
	cnr_json_key(j, "pid");
	cnr_json_int(j, s->info.pid);
	cnr_json_key(j, "build_id");
	cnr_json_string(j, s->info.build_id_core);
	cnr_json_key(j, "now_ns");
	if (s->now > 0)
		cnr_json_int(j, s->now);
	else
		cnr_json_null(j);
	cnr_json_end_object(j);
}

static void json_counts(struct cnr_json *j, const char *key, const struct cnr_diff_count *c, size_t n)
{
	cnr_json_key(j, key);
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, "name");
		cnr_json_string(j, c[i].name);
		cnr_json_key(j, "sample");
		cnr_json_string(j, c[i].sample);
		cnr_json_key(j, "old");
		cnr_json_uint(j, c[i].old);
		cnr_json_key(j, "new");
		cnr_json_uint(j, c[i].new_);
		cnr_json_key(j, "delta");
		cnr_json_int(j, c[i].delta);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_addr(struct cnr_json *j, const char *key, uint64_t addr)
{
	cnr_json_key(j, key);
	if (addr)
		cnr_json_hex(j, addr);
	else
		cnr_json_null(j);
}

static void json_changes(struct cnr_json *j, const char *key, const struct cnr_diff_change *cs, size_t n, uint32_t top)
{
	cnr_json_key(j, key);
	cnr_json_begin_array(j);
	for (size_t i = 0; i < shown(n, top); i++) {
		const struct cnr_diff_change *c = &cs[i];
		cnr_json_begin_object(j);
		cnr_json_key(j, "type");
		cnr_json_string(j, c->type);
		cnr_json_key(j, "path");
		cnr_json_string(j, c->path);
		json_addr(j, "addr_old", c->addr_old);
		json_addr(j, "addr_new", c->addr_new);
		cnr_json_key(j, "moved");
		cnr_json_bool(j, c->moved);
		cnr_json_key(j, "retained_old");
		cnr_json_uint(j, c->retained_old);
		cnr_json_key(j, "retained_new");
		cnr_json_uint(j, c->retained_new);
		cnr_json_key(j, "retained_delta");
		cnr_json_int(j, c->delta);
		cnr_json_key(j, "objects_old");
		cnr_json_uint(j, c->objects_old);
		cnr_json_key(j, "objects_new");
		cnr_json_uint(j, c->objects_new);
		cnr_json_key(j, "is_map");
		cnr_json_bool(j, c->is_map);
		if (c->is_map) {
			cnr_json_key(j, "len_old");
			if (c->has_len_old)
				cnr_json_uint(j, c->len_old);
			else
				cnr_json_null(j);
			cnr_json_key(j, "len_new");
			if (c->has_len_new)
				cnr_json_uint(j, c->len_new);
			else
				cnr_json_null(j);
			json_counts(j, "key_clusters", c->clusters, c->nclusters);
			json_counts(j, "value_types", c->value_types, c->nvalue_types);
		}
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_rows(struct cnr_json *j, const char *key, const struct cnr_diff_objects_row *r, size_t n,
		      uint64_t count, uint64_t bytes, uint32_t top)
{
	cnr_json_key(j, key);
	cnr_json_begin_object(j);
	cnr_json_key(j, "count");
	cnr_json_uint(j, count);
	cnr_json_key(j, "bytes");
	cnr_json_uint(j, bytes);
	cnr_json_key(j, "rows");
	cnr_json_uint(j, n);
	cnr_json_key(j, "by_type");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < shown(n, top); i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, "type");
		cnr_json_string(j, r[i].type);
		if (r[i].holder) {
			cnr_json_key(j, "holder");
			cnr_json_string(j, r[i].holder);
		}
		cnr_json_key(j, "count");
		cnr_json_uint(j, r[i].count);
		cnr_json_key(j, "bytes");
		cnr_json_uint(j, r[i].bytes);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
	cnr_json_end_object(j);
}

static void json_site(struct cnr_json *j, const char *state, const char *function, const char *created_by,
		      const char *site)
{
	cnr_json_key(j, "state");
	cnr_json_string(j, state);
	cnr_json_key(j, "function");
	cnr_json_string(j, function);
	cnr_json_key(j, "created_by");
	cnr_json_string(j, *created_by ? created_by : NULL);
	cnr_json_key(j, "site");
	cnr_json_string(j, *site ? site : NULL);
}

static void json_goroutines(struct cnr_json *j, const struct cnr_diff *d, uint32_t top)
{
	cnr_json_key(j, "goroutine_groups");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < shown(d->ngroups, top); i++) {
		const struct cnr_diff_group_row *g = &d->groups[i];
		cnr_json_begin_object(j);
		json_site(j, g->state, g->function, g->created_by, g->site);
		cnr_json_key(j, "old");
		cnr_json_uint(j, g->old);
		cnr_json_key(j, "new");
		cnr_json_uint(j, g->new_);
		cnr_json_key(j, "delta");
		cnr_json_int(j, (int64_t)g->new_ - g->old);
		cnr_json_key(j, "retained_old");
		cnr_json_uint(j, g->retained_old);
		cnr_json_key(j, "retained_new");
		cnr_json_uint(j, g->retained_new);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
	cnr_json_key(j, "new_blocked_goroutines");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < shown(d->nnew_goroutines, top); i++) {
		const struct cnr_diff_new_goroutines *g = &d->new_goroutines[i];
		cnr_json_begin_object(j);
		json_site(j, g->state, g->function, g->created_by, g->site);
		cnr_json_key(j, "count");
		cnr_json_uint(j, g->count);
		cnr_json_key(j, "retained");
		cnr_json_uint(j, g->retained);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_report(const struct cnr_diff *d, uint32_t top, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	json_core(&j, "old", d->old);
	json_core(&j, "new", d->new_);
	cnr_json_key(&j, "same_pid");
	cnr_json_bool(&j, d->same_pid);
	cnr_json_key(&j, "interval_ns");
	if (d->has_interval)
		cnr_json_int(&j, d->interval_ns);
	else
		cnr_json_null(&j);
	cnr_json_key(&j, "summary");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < d->nstats; i++) {
		const struct cnr_diff_stat *s = &d->stats[i];
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "name");
		cnr_json_string(&j, s->name);
		cnr_json_key(&j, "old");
		cnr_json_uint(&j, s->old);
		cnr_json_key(&j, "new");
		cnr_json_uint(&j, s->new_);
		cnr_json_key(&j, "delta");
		cnr_json_int(&j, s->delta);
		cnr_json_key(&j, "percent");
		if (s->has_percent)
			cnr_json_decimal(&j, s->percent);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "per_minute");
		if (s->has_rate)
			cnr_json_decimal(&j, s->per_minute);
		else
			cnr_json_null(&j);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "grew_count");
	cnr_json_uint(&j, d->ngrew);
	json_changes(&j, "grew", d->grew, d->ngrew, top);
	json_rows(&j, "new_objects", d->new_objects, d->nnew_rows, d->new_count, d->new_bytes, top);
	json_goroutines(&j, d, top);
	cnr_json_key(&j, "shrank_count");
	cnr_json_uint(&j, d->nshrank);
	json_changes(&j, "shrank", d->shrank, d->nshrank, top);
	json_rows(&j, "freed", d->freed, d->nfreed_rows, d->freed_count, d->freed_bytes, top);
	cnr_json_end_object(&j);
}

void cnr_diff_report(const struct cnr_diff *d, const struct cnr_diff_report_opts *opts, FILE *out)
{
	if (opts->json)
		json_report(d, opts->top, out);
	else
		text_report(d, opts->top, out);
}
