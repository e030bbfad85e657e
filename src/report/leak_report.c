// `coroner report` written out (see leak_report.h): the model of
// analysis/leak_model.h as text or as JSON of the same structure.
#include "report/leak_report.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/alloc_sites_report.h"
#include "report/dot_writer.h"
#include "report/info_report.h"
#include "report/json_writer.h"
#include "report/live_report.h"
#include "report/waste_text.h"

enum {
	MAX_GOROUTINES_LISTED = 12, // per suspect and per group, in text
	MAX_FRAMES_SHOWN = 12,
	MAX_VALUE_TYPES_SHOWN = 4,
	MAX_CLUSTERS_SHOWN = 3,
	MAX_KEY_TEXT = 256, // bytes of an escaped key cluster or sample shown
	MAX_FRAME_HOLDS_SHOWN = 3, // places in a goroutine group's frames, in text
};

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *bytes_text(uint64_t n, char *buf, size_t len)
{
	cnr_dot_format_bytes(n, buf, len);
	return buf;
}

static const char *build_id_text(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "build id matches the core";
	case CNR_BUILD_ID_MISMATCH: return "build id DIFFERS from the core";
	case CNR_BUILD_ID_REBUILD: return "a rebuild, verified against the core";
	default: return "build id not checked";
	}
}

static const char *build_id_json(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "match";
	case CNR_BUILD_ID_MISMATCH: return "mismatch";
	case CNR_BUILD_ID_REBUILD: return "rebuild";
	default: return "unknown";
	}
}

// Lines of "label      item, item, ..." that wrap before WRAP_COLUMN, the
// items continuing under the first.
enum { WRAP_COLUMN = 100, LABEL_WIDTH = 17 };

struct wrap {
	FILE *out;
	size_t col, indent;
	bool first;
};

static void wrap_begin(struct wrap *w, FILE *out, const char *label)
{
	*w = (struct wrap){ .out = out, .first = true, .indent = LABEL_WIDTH };
	w->col = (size_t)fprintf(out, "      %-*s", LABEL_WIDTH - 6, label);
}

static void wrap_item(struct wrap *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void wrap_item(struct wrap *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t len = strlen(buf);
	if (!w->first && w->col + 2 + len > WRAP_COLUMN) {
		fprintf(w->out, ",\n%*s", (int)w->indent, "");
		w->col = w->indent;
	} else if (!w->first) {
		fputs(", ", w->out);
		w->col += 2;
	}
	fputs(buf, w->out);
	w->col += len;
	w->first = false;
}

static void wrap_end(struct wrap *w)
{
	fputc('\n', w->out);
}

// The summary's "unreadable" lines for a core cut short: which address
// ranges are gone and what the runtime kept there.
static void text_missing(const struct cnr_missing *x, FILE *out)
{
	if (!x->truncated)
		return;
	char a[32];
	fputs("  unreadable   the core file is cut short", out);
	if (x->bytes)
		fprintf(out, ": %s (%" PRIu64 " bytes) of memory lost in %zu range%s", bytes_text(x->bytes, a, sizeof(a)),
			x->bytes, x->nranges, x->nranges == 1 ? "" : "s");
	if (x->notes_lost)
		fputs(x->bytes ? ", and notes" : ": its notes are lost", out);
	if (x->notes_lost)
		fputs(" (threads and registers unknown)", out);
	fputc('\n', out);
	for (size_t i = 0; i < x->nranges && i < CNR_MISSING_SHOWN; i++)
		fprintf(out, "%s[0x%" PRIx64 ", 0x%" PRIx64 ")", i ? ", " : "               ", x->ranges[i].start,
			x->ranges[i].end);
	if (x->nranges > CNR_MISSING_SHOWN)
		fprintf(out, " and %zu more", x->nranges - CNR_MISSING_SHOWN);
	if (x->nranges)
		fputc('\n', out);
	fprintf(out, "               lost with it: %" PRIu64 " span%s of mheap_.allspans (their objects not counted), "
		     "%s of heap objects,\n               ",
		x->spans, x->spans == 1 ? "" : "s", bytes_text(x->heap_bytes, a, sizeof(a)));
	if (!x->ngoids)
		fputs("no goroutine's stack", out);
	else
		fprintf(out, "the stack%s of goroutine%s", x->ngoids == 1 ? "" : "s", x->ngoids == 1 ? "" : "s");
	for (size_t i = 0; i < x->ngoids && i < 16; i++)
		fprintf(out, "%s%" PRIu64, i ? ", " : " ", x->goids[i]);
	if (x->ngoids > 16)
		fprintf(out, " and %zu more", x->ngoids - 16);
	fputc('\n', out);
}
// Allocation sites shown per suspect.
enum { SHOWN_SITES = 3 };

static void text_summary(const struct cnr_leak_model *m, FILE *out)
{
	const struct cnr_program_info *in = &m->info;
	const struct cnr_heap_graph *hg = m->hg;
	char a[32], b[32], c[32];
	uint64_t heap = hg->live_bytes + hg->garbage_bytes;
	fputs("SUMMARY\n", out);
	fprintf(out, "  go version   %s %s\n", in->go_version ? in->go_version : "?", in->goarch ? in->goarch : "?");
	fprintf(out, "  executable   %s (%s)\n", in->exe_path, build_id_text(in->build_id));
	fprintf(out, "  process      pid %d", in->pid);
	if (in->process_name)
		fprintf(out, " '%s'", in->process_name);
	if (in->signal) {
		const char *name = cnr_signal_name(in->signal);
		fprintf(out, ", signal %s (%d)", name ? name : "signal", in->signal);
	} else {
		fputs(", no signal (dumped alive, e.g. by gcore)", out);
	}
	fputc('\n', out);
	if (m->ms_ok)
		fprintf(out, "  heap         %" PRIu64 " bytes allocated (HeapAlloc, %s) in %" PRIu64 " objects\n"
			     "               %" PRIu64 " in spans (HeapInuse), %" PRIu64 " from the OS (HeapSys)\n",
			m->ms.heap_alloc, bytes_text(m->ms.heap_alloc, a, sizeof(a)), m->ms.heap_objects, m->ms.heap_inuse,
			m->ms.heap_sys);
	else
		fprintf(out, "  heap         %" PRIu64 " bytes allocated (%s); the runtime's counters are unreadable\n",
			heap, bytes_text(heap, a, sizeof(a)));
	fprintf(out, "  live         %" PRIu64 " bytes (%s, %.1f%%) in %" PRIu64 " objects, %.1f%% of it typed\n",
		hg->live_bytes, bytes_text(hg->live_bytes, b, sizeof(b)), percent(hg->live_bytes, heap), hg->live_objects,
		percent(hg->typed_live_bytes, hg->live_bytes));
	fprintf(out, "  garbage      %" PRIu64 " bytes (%s, %.1f%%) in %" PRIu64 " object%s, %s\n",
		hg->garbage_bytes, bytes_text(hg->garbage_bytes, c, sizeof(c)), percent(hg->garbage_bytes, heap),
		hg->garbage_objects, hg->garbage_objects == 1 ? "" : "s",
		m->missing.spans || m->missing.heap_bytes || m->missing.ngoids
			? "at most: what the lost memory referred to is counted here"
			: "waiting for the next GC");
	fprintf(out, "  goroutines   %zu", hg->gs.ngs);
	if (m->ms_ok)
		fprintf(out, " (runtime.NumGoroutine %" PRId32 "; the others are the runtime's)", m->ms.num_goroutine);
	fputc('\n', out);
	struct wrap w = { .out = out, .first = true, .indent = 15, .col = (size_t)fprintf(out, "%15s", "") };
	for (size_t i = 0; i < m->nstates; i++)
		wrap_item(&w, "%" PRIu32 " %s", m->states[i].count, m->states[i].state);
	wrap_end(&w);
	text_missing(&m->missing, out);
	if (m->join && m->join->absence)
		fprintf(out, "  heap profile none: %s\n", m->join->absence);
	else if (m->join)
		fprintf(out, "  heap profile MemProfileRate %" PRId64 ", %zu buckets, %" PRIu64 " sampled live objects\n",
			m->join->mp.rate, m->join->mp.nrecords, cnr_alloc_sites_sampled(m->join->sites));
	if (m->warnings)
		fprintf(out, "%s%u warning%s (on stderr): figures may be incomplete\n",
			m->missing.truncated ? "               " : "  unreadable   ", m->warnings,
			m->warnings == 1 ? "" : "s");
	else if (!m->missing.truncated)
		fputs("  unreadable   nothing\n", out);
}

static void text_goroutine_list(const struct cnr_leak_model *m, const uint32_t *idx, size_t n, struct wrap *w)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	for (size_t i = 0; i < n && i < MAX_GOROUTINES_LISTED; i++) {
		const struct cnr_goroutine *g = &gs->gs[idx[i]];
		wrap_item(w, "%" PRIu64 " [%s] %s", g->goid, g->state, cnr_goroutine_function(gs, g));
	}
	if (n > MAX_GOROUTINES_LISTED)
		wrap_item(w, "and %zu more", n - MAX_GOROUTINES_LISTED);
}

// A map's facts: len, value types (the first with what its values keep,
// payload, if known: "*list.Element → map[string]interface {}"), key
// clusters, nesting.
static void text_map(const struct cnr_map_summary *ms, const char *payload, FILE *out)
{
	struct wrap w;
	wrap_begin(&w, out, "map");
	wrap_item(&w, "len %" PRIu64, ms->info.len);
	wrap_end(&w);
	wrap_begin(&w, out, "values");
	for (size_t i = 0; i < ms->nvalue_types && i < MAX_VALUE_TYPES_SHOWN; i++) {
		if (!i && payload && payload[0])
			wrap_item(&w, "%" PRIu64 " %s → %s", ms->value_types[i].count, ms->value_types[i].name, payload);
		else
			wrap_item(&w, "%" PRIu64 " %s", ms->value_types[i].count, ms->value_types[i].name);
	}
	if (ms->nvalue_types > MAX_VALUE_TYPES_SHOWN)
		wrap_item(&w, "%zu more types", ms->nvalue_types - MAX_VALUE_TYPES_SHOWN);
	if (!ms->nvalue_types)
		wrap_item(&w, "none");
	wrap_end(&w);
	if (ms->nclusters) {
		wrap_begin(&w, out, "keys");
		for (size_t i = 0; i < ms->nclusters && i < MAX_CLUSTERS_SHOWN; i++) {
			// Keys are the program's bytes: no control characters to the terminal.
			char pat[MAX_KEY_TEXT], sample[MAX_KEY_TEXT];
			cnr_map_escape_text(ms->clusters[i].name, pat, sizeof(pat));
			cnr_map_escape_text(ms->clusters[i].sample, sample, sizeof(sample));
			if (strcmp(pat, sample) == 0)
				wrap_item(&w, "%" PRIu64 " %s", ms->clusters[i].count, pat);
			else
				wrap_item(&w, "%" PRIu64 " %s (e.g. %s)", ms->clusters[i].count, pat, sample);
		}
		if (ms->nclusters > MAX_CLUSTERS_SHOWN)
			wrap_item(&w, "%zu more patterns", ms->nclusters - MAX_CLUSTERS_SHOWN);
		wrap_end(&w);
	}
	if (ms->nested_entries)
		fprintf(out, "      nesting    %" PRIu64 " entries hold maps or slices of values, max depth %" PRIu64 "\n",
			ms->nested_entries, ms->max_depth);
}

// The states of a group, as the goroutine section prints them.
static void text_states(const struct cnr_leak_group *gr, FILE *out)
{
	for (size_t k = 0; k < gr->nstates; k++) {
		if (gr->nstates == 1)
			fputs(gr->states[k].state, out);
		else
			fprintf(out, "%s%" PRIu32 " %s", k ? ", " : "", gr->states[k].count, gr->states[k].state);
	}
}

// What a group suspect's frames hold, the places that retain the most
// first (the others summed up in one line).
static void text_frames(const struct cnr_leak_suspect *s, FILE *out)
{
	char a[32];
	size_t shown = 0;
	uint64_t rest = 0;
	for (size_t i = 0; i < s->frames.n; i++) {
		const struct cnr_frame_hold *h = &s->frames.holds[i];
		if (shown == MAX_FRAME_HOLDS_SHOWN || !h->retained) {
			rest += h->retained;
			continue;
		}
		fprintf(out, "      %-10s %s: %s in %" PRIu32 " of them, %s\n", shown ? "" : "frames", h->place, h->type,
			h->goroutines, bytes_text(h->retained, a, sizeof(a)));
		shown++;
	}
	if (shown && s->frames.n > shown && rest)
		fprintf(out, "      %-10s %zu more places, %s\n", "", s->frames.n - shown, bytes_text(rest, a, sizeof(a)));
}

// A goroutine group suspect: what made it one, its go statement, its frames.
static void text_group_suspect(const struct cnr_leak_model *m, size_t rank, const struct cnr_leak_suspect *s, FILE *out)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	const struct cnr_leak_group *gr = s->group;
	const uint32_t *members = &m->groups.members[gr->group->first];
	uint32_t count = gr->group->count;
	char a[32];
	fprintf(out, "\n  #%zu %" PRIu32 " goroutine%s [", rank, count, count == 1 ? "" : "s");
	text_states(gr, out);
	fputc(']', out);
	if (s->created_by[0])
		fprintf(out, " created by %s (%s)", s->created_by, s->site);
	fputc('\n', out);
	fprintf(out, "      retain     %" PRIu64 " bytes (%s), %.1f%% of the live heap, from their stacks\n", s->retained,
		bytes_text(s->retained, a, sizeof(a)), percent(s->retained, m->hg->live_bytes));
	if (s->likely_goroutine_leak)
		fprintf(out, "      likely     a goroutine leak: %" PRIu32 " goroutines blocked at one site\n", count);
	text_frames(s, out);
	const struct cnr_goroutine *g = &gs->gs[members[0]];
	struct wrap w;
	wrap_begin(&w, out, "stack");
	for (size_t f = 0; f < g->nframes && f < MAX_FRAMES_SHOWN; f++) {
		const char *name = gs->frames[g->first_frame + f].func.name;
		if (name && strncmp(name, "runtime.", 8) != 0)
			wrap_item(&w, "%s", name);
	}
	wrap_end(&w);
	wrap_begin(&w, out, "goroutines");
	for (uint32_t k = 0; k < count && k < MAX_GOROUTINES_LISTED; k++)
		wrap_item(&w, "%" PRIu64, gs->gs[members[k]].goid);
	if (count > MAX_GOROUTINES_LISTED)
		wrap_item(&w, "and %" PRIu32 " more", count - MAX_GOROUTINES_LISTED);
	wrap_end(&w);
}

// Where an object suspect's bytes accumulate below it: the way there, the
// container and the share its entries hold, and a map's facts.
static void text_accumulation(const struct cnr_leak_model *m, const struct cnr_leak_suspect *s, FILE *out)
{
	const struct cnr_leak_accumulation *acc = &s->acc;
	char a[32];
	fprintf(out, "      accumulates in %s: %s at 0x%" PRIx64, acc->path, acc->type, acc->addr);
	if (acc->held)
		fprintf(out, ", whose entries hold %s (%.1f%%)\n", bytes_text(acc->held, a, sizeof(a)),
			percent(acc->held, s->retained));
	else
		fprintf(out, ", retaining %s (%.1f%% of the live heap)\n", bytes_text(acc->retained, a, sizeof(a)),
			percent(acc->retained, m->hg->live_bytes));
	if (acc->has_summary)
		text_map(&acc->map, acc->payload, out);
	else if (acc->payload[0])
		fprintf(out, "      entries    %" PRIu64 " of %" PRIu64 " keep a %s\n", acc->payload_count, acc->entries_seen,
			acc->payload);
}

static void text_suspects(const struct cnr_leak_model *m, FILE *out)
{
	const struct cnr_heap_graph *hg = m->hg;
	char a[32], b[32];
	if (m->ngroup_suspects)
		fprintf(out, "\nSUSPECTS: %" PRIu32 " (objects and goroutine groups) retain%s %d%% or more of the live heap",
			m->over_share, m->over_share == 1 ? "s" : "", CNR_SUSPECT_SHARE_PERCENT);
	else
		fprintf(out, "\nSUSPECTS: %" PRIu32 " object%s retain%s %d%% or more of the live heap", m->over_share,
			m->over_share == 1 ? "" : "s", m->over_share == 1 ? "s" : "", CNR_SUSPECT_SHARE_PERCENT);
	if (m->nsuspects > m->over_share)
		fprintf(out, "; the next largest accumulation points follow");
	fputc('\n', out);
	if (!m->nsuspects)
		fputs("  none: no object retains 0.1% of the live heap\n", out);
	for (size_t i = 0; i < m->nsuspects; i++) {
		const struct cnr_leak_suspect *s = &m->suspects[i];
		if (s->group) {
			text_group_suspect(m, i + 1, s, out);
			continue;
		}
		fprintf(out, "\n  #%zu %s at 0x%" PRIx64 "%s\n", i + 1, s->type, s->addr, s->is_map ? " (map)" : "");
		fprintf(out, "      retains    %" PRIu64 " bytes (%s), %.1f%% of the live heap, in %" PRIu64 " object%s\n",
			s->retained, bytes_text(s->retained, a, sizeof(a)), percent(s->retained, hg->live_bytes),
			s->objects, s->objects == 1 ? "" : "s");
		fprintf(out, "      itself     %" PRIu64 " bytes (%s)%s\n", s->shallow, bytes_text(s->shallow, b, sizeof(b)),
			s->is_map ? ": the map's header and internals" : "");
		if (s->within)
			fprintf(out, "      inside     #%" PRIu32 "\n", s->within);
		fprintf(out, "      held by    %s", s->path);
		if (s->root)
			fprintf(out, " (%s)", cnr_root_kind_name(s->root->kind));
		fputc('\n', out);
		if (s->has_summary)
			text_map(&s->map, NULL, out);
		if (s->has_accumulation)
			text_accumulation(m, s, out);
		char line[512];
		if (s->has_slice && s->slice.wasted) {
			cnr_slice_waste_text(&s->slice, line, sizeof(line));
			fprintf(out, "      slice      %s\n", line);
		}
		if (s->substrings.wasted) {
			cnr_substring_waste_text(&s->substrings, "keys", line, sizeof(line));
			fprintf(out, "      substring  %s\n", line);
		}
		if (m->join && m->join->sites)
			cnr_alloc_sites_text(m->join, s->sites, s->nsites, SHOWN_SITES, "      ", out);
		struct wrap w;
		wrap_begin(&w, out, "goroutines");
		if (s->ngors)
			text_goroutine_list(m, s->gors, s->ngors, &w);
		else
			wrap_item(&w, "none hold it on their stacks");
		if (s->gors_bounded)
			wrap_item(&w, "(search bounded: others may)");
		wrap_end(&w);
	}
}

static void text_internals(const struct cnr_leak_model *m, FILE *out)
{
	char a[32];
	if (!m->internal_objects)
		return;
	fprintf(out, "\n  runtime and standard-library internals: %" PRIu32 " object%s retaining %" PRIu64
		     " bytes (%s), %.1f%% of the live heap, folded\n",
		m->internal_objects, m->internal_objects == 1 ? "" : "s", m->internal_retained,
		bytes_text(m->internal_retained, a, sizeof(a)), percent(m->internal_retained, m->hg->live_bytes));
}

static void text_groups(const struct cnr_leak_model *m, uint32_t max_groups, FILE *out)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	char a[32];
	size_t shown = m->groups.ngroups < max_groups ? m->groups.ngroups : max_groups;
	fprintf(out, "\nGOROUTINES: %zu in %zu group%s by stack", gs->ngs, m->groups.ngroups, m->groups.ngroups == 1 ? "" : "s");
	if (shown < m->groups.ngroups)
		fprintf(out, ", the %zu largest shown", shown);
	fputc('\n', out);
	for (size_t i = 0; i < shown; i++) {
		const struct cnr_leak_group *gr = &m->ranked[i];
		const uint32_t *members = &m->groups.members[gr->group->first];
		uint32_t count = gr->group->count;
		fprintf(out, "\n  %" PRIu32 " goroutine%s [", count, count == 1 ? "" : "s");
		text_states(gr, out);
		fprintf(out, "], roots retain %" PRIu64 " bytes (%s): ", gr->retained, bytes_text(gr->retained, a, sizeof(a)));
		for (uint32_t k = 0; k < count && k < MAX_GOROUTINES_LISTED; k++)
			fprintf(out, "%s%" PRIu64, k ? ", " : "", gs->gs[members[k]].goid);
		if (count > MAX_GOROUTINES_LISTED)
			fprintf(out, ", and %" PRIu32 " more", count - MAX_GOROUTINES_LISTED);
		fputc('\n', out);
		const struct cnr_goroutine *g = &gs->gs[members[0]];
		for (size_t f = 0; f < g->nframes && f < MAX_FRAMES_SHOWN; f++) {
			const char *name = gs->frames[g->first_frame + f].func.name;
			fprintf(out, "      %s\n", name ? name : "?");
		}
		if (g->nframes > MAX_FRAMES_SHOWN)
			fprintf(out, "      … %zu more frames\n", g->nframes - MAX_FRAMES_SHOWN);
	}
	if (shown < m->groups.ngroups) {
		size_t rest = 0;
		for (size_t i = shown; i < m->groups.ngroups; i++)
			rest += m->ranked[i].group->count;
		fprintf(out, "\n  … %zu more groups of %zu goroutines (--max-goroutine-groups)\n", m->groups.ngroups - shown, rest);
	}
}

static void text_types(const struct cnr_leak_model *m, FILE *out)
{
	size_t shown = m->ntypes < CNR_LEAK_TOP_TYPES ? m->ntypes : CNR_LEAK_TOP_TYPES;
	fprintf(out, "\nTOP TYPES by retained bytes (coroner top shows more)\n");
	fprintf(out, "  %10s %14s %14s %6s  %s\n", "COUNT", "SHALLOW", "RETAINED", "%LIVE", "TYPE");
	for (size_t i = 0; i < shown; i++) {
		const struct cnr_top_row *r = &m->types[i];
		fprintf(out, "  %10" PRIu64 " %14" PRIu64 " %14" PRIu64 " %5.1f%%  %s\n", r->count, r->shallow, r->retained,
			percent(r->retained, m->hg->live_bytes), r->label);
	}
}

static void json_goroutine_list(const struct cnr_leak_model *m, struct cnr_json *j, const uint32_t *idx, size_t n)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct cnr_goroutine *g = &gs->gs[idx[i]];
		cnr_json_begin_object(j);
		cnr_json_key(j, "goid");
		cnr_json_uint(j, g->goid);
		cnr_json_key(j, "state");
		cnr_json_string(j, g->state);
		cnr_json_key(j, "function");
		cnr_json_string(j, cnr_goroutine_function(gs, g));
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

static void json_counts(struct cnr_json *j, const struct cnr_map_count *v, size_t n, bool clusters)
{
	cnr_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		cnr_json_begin_object(j);
		cnr_json_key(j, clusters ? "pattern" : "type");
		cnr_json_string(j, v[i].name);
		cnr_json_key(j, "count");
		cnr_json_uint(j, v[i].count);
		if (clusters) {
			cnr_json_key(j, "key_bytes");
			cnr_json_uint(j, v[i].key_bytes);
			cnr_json_key(j, "sample");
			cnr_json_string(j, v[i].sample);
		}
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
}

// What a cut-short core lost (text_missing's figures); null for a whole core.
static void json_missing(struct cnr_json *j, const struct cnr_missing *x)
{
	if (!x->truncated) {
		cnr_json_null(j);
		return;
	}
	cnr_json_begin_object(j);
	cnr_json_key(j, "bytes");
	cnr_json_uint(j, x->bytes);
	cnr_json_key(j, "ranges");
	cnr_json_uint(j, x->nranges);
	cnr_json_key(j, "first_ranges");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < x->nranges && i < CNR_MISSING_SHOWN; i++) {
		cnr_json_begin_array(j);
		cnr_json_hex(j, x->ranges[i].start);
		cnr_json_hex(j, x->ranges[i].end);
		cnr_json_end_array(j);
	}
	cnr_json_end_array(j);
	cnr_json_key(j, "spans");
	cnr_json_uint(j, x->spans);
	cnr_json_key(j, "heap_bytes");
	cnr_json_uint(j, x->heap_bytes);
	cnr_json_key(j, "goroutine_stacks");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < x->ngoids; i++)
		cnr_json_uint(j, x->goids[i]);
	cnr_json_end_array(j);
	cnr_json_key(j, "notes_lost");
	cnr_json_bool(j, x->notes_lost);
	cnr_json_end_object(j);
}

static void json_summary(const struct cnr_leak_model *m, struct cnr_json *j)
{
	const struct cnr_program_info *in = &m->info;
	const struct cnr_heap_graph *hg = m->hg;
	cnr_json_key(j, "summary");
	cnr_json_begin_object(j);
	cnr_json_key(j, "go_version");
	cnr_json_string(j, in->go_version);
	cnr_json_key(j, "goarch");
	cnr_json_string(j, in->goarch);
	cnr_json_key(j, "executable");
	cnr_json_string(j, in->exe_path);
	cnr_json_key(j, "build_id");
	cnr_json_string(j, build_id_json(in->build_id));
	cnr_json_key(j, "pid");
	cnr_json_int(j, in->pid);
	cnr_json_key(j, "process_name");
	cnr_json_string(j, in->process_name);
	cnr_json_key(j, "signal");
	cnr_json_int(j, in->signal);
	cnr_json_key(j, "signal_name");
	cnr_json_string(j, in->signal ? cnr_signal_name(in->signal) : NULL);
	cnr_json_key(j, "heap");
	cnr_json_begin_object(j);
	cnr_json_heap_ledger(j, hg);
	cnr_json_end_object(j);
	cnr_json_key(j, "memstats");
	if (m->ms_ok) {
		cnr_json_begin_object(j);
		const struct {
			const char *key;
			uint64_t value;
		} kv[] = {
			{ "HeapAlloc", m->ms.heap_alloc }, { "HeapObjects", m->ms.heap_objects },
			{ "HeapInuse", m->ms.heap_inuse }, { "HeapSys", m->ms.heap_sys },
			{ "TotalAlloc", m->ms.total_alloc }, { "Mallocs", m->ms.mallocs }, { "Frees", m->ms.frees },
			{ "NumGoroutine", (uint64_t)(m->ms.num_goroutine < 0 ? 0 : m->ms.num_goroutine) },
		};
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
			cnr_json_key(j, kv[i].key);
			cnr_json_uint(j, kv[i].value);
		}
		cnr_json_end_object(j);
	} else {
		cnr_json_null(j);
	}
	cnr_json_key(j, "goroutines");
	cnr_json_uint(j, hg->gs.ngs);
	cnr_json_key(j, "goroutine_states");
	cnr_json_begin_object(j);
	for (size_t i = 0; i < m->nstates; i++) {
		cnr_json_key(j, m->states[i].state);
		cnr_json_uint(j, m->states[i].count);
	}
	cnr_json_end_object(j);
	cnr_json_key(j, "warnings");
	cnr_json_uint(j, m->warnings);
	cnr_json_key(j, "missing");
	json_missing(j, &m->missing);
	cnr_json_end_object(j);
}

// A goroutine group's fields, in the goroutine section and as a suspect.
static void json_group_fields(const struct cnr_leak_model *m, struct cnr_json *j, const struct cnr_leak_group *gr)
{
	const struct cnr_goroutines *gs = &m->hg->gs;
	const uint32_t *members = &m->groups.members[gr->group->first];
	const struct cnr_goroutine *g = &gs->gs[members[0]];
	cnr_json_key(j, "count");
	cnr_json_uint(j, gr->group->count);
	cnr_json_key(j, "states");
	cnr_json_begin_object(j);
	for (size_t k = 0; k < gr->nstates; k++) {
		cnr_json_key(j, gr->states[k].state);
		cnr_json_uint(j, gr->states[k].count);
	}
	cnr_json_end_object(j);
	cnr_json_key(j, "retained");
	cnr_json_uint(j, gr->retained);
	cnr_json_key(j, "goids");
	cnr_json_begin_array(j);
	for (uint32_t k = 0; k < gr->group->count; k++)
		cnr_json_uint(j, gs->gs[members[k]].goid);
	cnr_json_end_array(j);
	cnr_json_key(j, "functions");
	cnr_json_begin_array(j);
	for (size_t f = 0; f < g->nframes; f++)
		cnr_json_string(j, gs->frames[g->first_frame + f].func.name);
	cnr_json_end_array(j);
}

// A goroutine group suspect: kind "goroutines", no addr or type.
static void json_group_suspect(const struct cnr_leak_model *m, struct cnr_json *j, size_t rank,
			       const struct cnr_leak_suspect *s)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "rank");
	cnr_json_uint(j, rank);
	cnr_json_key(j, "kind");
	cnr_json_string(j, "goroutines");
	json_group_fields(m, j, s->group);
	cnr_json_key(j, "likely_goroutine_leak");
	cnr_json_bool(j, s->likely_goroutine_leak);
	cnr_json_key(j, "created_by");
	cnr_json_string(j, s->created_by[0] ? s->created_by : NULL);
	cnr_json_key(j, "site");
	cnr_json_string(j, s->site[0] ? s->site : NULL);
	cnr_json_key(j, "frames");
	cnr_json_begin_array(j);
	for (size_t i = 0; i < s->frames.n; i++) {
		const struct cnr_frame_hold *h = &s->frames.holds[i];
		cnr_json_begin_object(j);
		cnr_json_key(j, "place");
		cnr_json_string(j, h->place);
		cnr_json_key(j, "goroutines");
		cnr_json_uint(j, h->goroutines);
		cnr_json_key(j, "retained");
		cnr_json_uint(j, h->retained);
		cnr_json_key(j, "type");
		cnr_json_string(j, h->type);
		cnr_json_end_object(j);
	}
	cnr_json_end_array(j);
	cnr_json_end_object(j);
}

static void json_map(struct cnr_json *j, const struct cnr_map_summary *ms)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "len");
	cnr_json_uint(j, ms->info.len);
	cnr_json_key(j, "entries");
	cnr_json_uint(j, ms->info.entries);
	cnr_json_key(j, "value_types");
	json_counts(j, ms->value_types, ms->nvalue_types, false);
	cnr_json_key(j, "key_clusters");
	json_counts(j, ms->clusters, ms->nclusters, true);
	cnr_json_key(j, "nested_entries");
	cnr_json_uint(j, ms->nested_entries);
	cnr_json_key(j, "max_depth");
	cnr_json_uint(j, ms->max_depth);
	cnr_json_key(j, "substrings");
	cnr_substring_waste_json(j, &ms->substrings);
	cnr_json_end_object(j);
}

static void json_accumulation(struct cnr_json *j, const struct cnr_leak_suspect *s)
{
	const struct cnr_leak_accumulation *acc = &s->acc;
	if (!s->has_accumulation) {
		cnr_json_null(j);
		return;
	}
	cnr_json_begin_object(j);
	cnr_json_key(j, "addr");
	cnr_json_hex(j, acc->addr);
	cnr_json_key(j, "type");
	cnr_json_string(j, acc->type);
	cnr_json_key(j, "kind");
	cnr_json_string(j, acc->is_map ? "map" : acc->held ? "container" : "object");
	cnr_json_key(j, "path");
	cnr_json_string(j, acc->path);
	cnr_json_key(j, "retained");
	cnr_json_uint(j, acc->retained);
	cnr_json_key(j, "held_by_entries");
	cnr_json_uint(j, acc->held);
	cnr_json_key(j, "payload");
	cnr_json_string(j, acc->payload[0] ? acc->payload : NULL);
	cnr_json_key(j, "payload_count");
	cnr_json_uint(j, acc->payload_count);
	cnr_json_key(j, "entries_seen");
	cnr_json_uint(j, acc->entries_seen);
	cnr_json_key(j, "map");
	if (acc->has_summary)
		json_map(j, &acc->map);
	else
		cnr_json_null(j);
	cnr_json_end_object(j);
}

static void json_report(const struct cnr_leak_model *m, uint32_t max_groups, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	json_summary(m, &j);
	cnr_json_key(&j, "share_threshold_percent");
	cnr_json_uint(&j, CNR_SUSPECT_SHARE_PERCENT);
	cnr_json_key(&j, "suspects");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < m->nsuspects; i++) {
		const struct cnr_leak_suspect *s = &m->suspects[i];
		if (s->group) {
			json_group_suspect(m, &j, i + 1, s);
			continue;
		}
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "rank");
		cnr_json_uint(&j, i + 1);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, s->addr);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, s->type);
		cnr_json_key(&j, "kind");
		cnr_json_string(&j, s->is_map ? "map" : "object");
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, s->size);
		cnr_json_key(&j, "shallow");
		cnr_json_uint(&j, s->shallow);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, s->retained);
		cnr_json_key(&j, "objects");
		cnr_json_uint(&j, s->objects);
		cnr_json_key(&j, "within");
		if (s->within)
			cnr_json_uint(&j, s->within);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "root");
		cnr_json_string(&j, s->root ? s->root->name : NULL);
		cnr_json_key(&j, "root_kind");
		cnr_json_string(&j, s->root ? cnr_root_kind_name(s->root->kind) : NULL);
		cnr_json_key(&j, "path");
		cnr_json_string(&j, s->path);
		if (s->has_summary) {
			cnr_json_key(&j, "map");
			json_map(&j, &s->map);
		}
		if (s->has_slice) {
			cnr_json_key(&j, "slice");
			cnr_slice_waste_json(&j, &s->slice);
		}
		cnr_json_key(&j, "substrings");
		cnr_substring_waste_json(&j, &s->substrings);
		cnr_json_key(&j, "accumulation");
		json_accumulation(&j, s);
		cnr_json_key(&j, "alloc_sites");
		if (m->join)
			cnr_alloc_sites_json(&j, m->join, s->sites, s->nsites, SHOWN_SITES);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "goroutines");
		json_goroutine_list(m, &j, s->gors, s->ngors);
		cnr_json_key(&j, "goroutine_search_bounded");
		cnr_json_bool(&j, s->gors_bounded);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "internals_folded");
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "objects");
	cnr_json_uint(&j, m->internal_objects);
	cnr_json_key(&j, "retained");
	cnr_json_uint(&j, m->internal_retained);
	cnr_json_end_object(&j);
	cnr_json_key(&j, "goroutine_groups");
	cnr_json_begin_array(&j);
	size_t shown = m->groups.ngroups < max_groups ? m->groups.ngroups : max_groups;
	for (size_t i = 0; i < shown; i++) {
		const struct cnr_leak_group *gr = &m->ranked[i];
		cnr_json_begin_object(&j);
		json_group_fields(m, &j, gr);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_key(&j, "goroutine_groups_total");
	cnr_json_uint(&j, m->groups.ngroups);
	cnr_json_key(&j, "top_types");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < m->ntypes && i < CNR_LEAK_TOP_TYPES; i++) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, m->types[i].label);
		cnr_json_key(&j, "count");
		cnr_json_uint(&j, m->types[i].count);
		cnr_json_key(&j, "shallow");
		cnr_json_uint(&j, m->types[i].shallow);
		cnr_json_key(&j, "retained");
		cnr_json_uint(&j, m->types[i].retained);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
	fputc('\n', out);
}

void cnr_leak_report(const struct cnr_leak_model *m, const struct cnr_leak_report_opts *opts, FILE *out)
{
	assert(opts->max_groups >= 1);
	if (opts->json) {
		json_report(m, opts->max_groups, out);
		return;
	}
	text_summary(m, out);
	text_suspects(m, out);
	text_internals(m, out);
	text_groups(m, opts->max_groups, out);
	text_types(m, out);
}

