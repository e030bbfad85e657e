// `coroner goroutines` (see goroutines_report.h).
#include "report/goroutines_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/json_writer.h"

static void print_frames(const struct cnr_goroutine_traces *t, const struct cnr_goroutine_trace *tr, FILE *out,
			 const char *indent)
{
	for (size_t i = 0; i < tr->nframes; i++) {
		const struct cnr_trace_frame *tf = &t->frames[tr->first_frame + i];
		const struct cnr_source_frame *sf = &tf->sf;
		fprintf(out, "%s%s(%s)\n%s\t%s:%d", indent, sf->function, sf->inlined ? "..." : "", indent, sf->file,
			sf->line);
		if (tf->last && !sf->inlined)
			fprintf(out, " +0x%" PRIx64, tf->fr->pc - tf->fr->func.entry);
		fputc('\n', out);
	}
}

static void print_created_by(const struct cnr_goroutine_trace *tr, FILE *out, const char *indent)
{
	if (!tr->has_creator)
		return;
	const struct cnr_goroutine *g = tr->g;
	fprintf(out, "%screated by %s", indent, tr->creator.function);
	if (g->parent_goid)
		fprintf(out, " in goroutine %" PRIu64, g->parent_goid);
	fprintf(out, "\n%s\t%s:%d +0x%" PRIx64 "\n", indent, tr->creator.file, tr->creator.line,
		g->gopc - tr->creator_frame.func.entry);
}

static void print_header(const struct cnr_goroutine *g, FILE *out)
{
	fprintf(out, "goroutine %" PRIu64 " [%s%s", g->goid, g->state, g->scan ? " (scan)" : "");
	// runtime/traceback.go goroutineheader: whole minutes, from one on.
	if (g->waited_ns >= 60000000000LL)
		fprintf(out, ", %" PRId64 " minutes", (int64_t)(g->waited_ns / 60000000000LL));
	fputs("]:", out);
	if (g->tid)
		fprintf(out, " (on thread %d)", g->tid);
	fputc('\n', out);
}

void cnr_goroutines_report_all(const struct cnr_goroutines *gs, const struct cnr_goroutine_traces *t, FILE *out)
{
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cnr_goroutine_trace *tr = &t->traces[i];
		const struct cnr_goroutine *g = tr->g;
		if (i)
			fputc('\n', out);
		print_header(g, out);
		print_frames(t, tr, out, "");
		if (g->stack_incomplete)
			fputs("...stack incomplete (see warnings)\n", out);
		print_created_by(tr, out, "");
		for (size_t w = 0; w < g->nwaits; w++) {
			const struct cnr_chan_wait *cw = &gs->waits[g->first_wait + w];
			fprintf(out, "%s chan %s 0x%" PRIx64 " (len %" PRIu64 ", cap %" PRIu64 "), elem at 0x%" PRIx64 "%s\n",
				cw->dir, cw->elem_type ? cw->elem_type : "?", cw->chan, cw->qcount, cw->dataqsiz, cw->elem,
				cw->is_select ? " (select)" : "");
		}
	}
}

void cnr_goroutines_report_grouped(const struct cnr_goroutines *gs, const struct cnr_goroutine_groups *gg,
				   const struct cnr_goroutine_traces *t, FILE *out)
{
	fprintf(out, "%zu goroutines in %zu groups", gs->ngs, gg->ngroups);
	if (gs->ndead)
		fprintf(out, " (%zu dead g structs not shown)", gs->ndead);
	fputs("\n", out);
	for (size_t k = 0; k < gg->ngroups && k < t->ntraces; k++) {
		const struct cnr_goroutine_group *gr = &gg->groups[k];
		const uint32_t *members = &gg->members[gr->first];
		const struct cnr_goroutine_trace *tr = &t->traces[k];
		fprintf(out, "\n%" PRIu32 " goroutine%s [%s]:", gr->count, gr->count == 1 ? "" : "s", tr->g->state);
		for (uint32_t i = 0; i < gr->count && i < 16; i++)
			fprintf(out, " %" PRIu64, gs->gs[members[i]].goid);
		if (gr->count > 16)
			fputs(" ...", out);
		fputc('\n', out);
		print_frames(t, tr, out, "    ");
		print_created_by(tr, out, "    ");
	}
}

static void json_slot(struct cnr_json *j, const struct cnr_live_slot *s)
{
	static const char *const kinds[] = { "local", "arg", "conservative" };
	cnr_json_begin_object(j);
	cnr_json_key(j, "slot");
	cnr_json_hex(j, s->slot);
	cnr_json_key(j, "value");
	cnr_json_hex(j, s->value);
	cnr_json_key(j, "kind");
	cnr_json_string(j, kinds[s->kind]);
	cnr_json_key(j, "var");
	cnr_json_string(j, s->var);
	cnr_json_key(j, "var_offset");
	cnr_json_uint(j, s->var_offset);
	cnr_json_end_object(j);
}

// A source frame; tf is NULL for the created-by frame (it has no slots).
static void json_frame(struct cnr_json *j, const struct cnr_source_frame *sf, const struct cnr_frame *fr, bool last,
		       bool wrapper, const struct cnr_goroutine_traces *t, const struct cnr_trace_frame *tf)
{
	cnr_json_begin_object(j);
	cnr_json_key(j, "function");
	cnr_json_string(j, sf->function);
	cnr_json_key(j, "file");
	cnr_json_string(j, sf->file);
	cnr_json_key(j, "line");
	cnr_json_int(j, sf->line);
	cnr_json_key(j, "inlined");
	cnr_json_bool(j, sf->inlined);
	if (last) {
		cnr_json_key(j, "wrapper");
		cnr_json_bool(j, wrapper);
		cnr_json_key(j, "pc");
		cnr_json_hex(j, fr->pc);
		cnr_json_key(j, "sp");
		cnr_json_hex(j, fr->sp);
		cnr_json_key(j, "fp");
		cnr_json_hex(j, fr->fp);
		if (tf) {
			// The live pointer slots of this frame: the stack roots.
			cnr_json_key(j, "live_slots");
			cnr_json_begin_array(j);
			for (size_t i = 0; i < tf->nslots; i++)
				json_slot(j, &t->slots[tf->first_slot + i]);
			cnr_json_end_array(j);
		}
	}
	cnr_json_end_object(j);
}

void cnr_goroutines_report_json(const struct cnr_goroutines *gs, const struct cnr_goroutine_traces *t, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "count");
	cnr_json_uint(&j, gs->ngs);
	cnr_json_key(&j, "dead");
	cnr_json_uint(&j, gs->ndead);
	cnr_json_key(&j, "goroutines");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < t->ntraces; i++) {
		const struct cnr_goroutine_trace *tr = &t->traces[i];
		const struct cnr_goroutine *g = tr->g;
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "id");
		cnr_json_uint(&j, g->goid);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, g->addr);
		cnr_json_key(&j, "status");
		cnr_json_uint(&j, g->status);
		cnr_json_key(&j, "state");
		cnr_json_string(&j, g->state);
		cnr_json_key(&j, "waitsince");
		cnr_json_int(&j, g->waitsince);
		cnr_json_key(&j, "waited_ns");
		cnr_json_int(&j, g->waited_ns);
		cnr_json_key(&j, "thread");
		cnr_json_int(&j, g->tid);
		cnr_json_key(&j, "parent_id");
		cnr_json_uint(&j, g->parent_goid);
		cnr_json_key(&j, "stack_lo");
		cnr_json_hex(&j, g->stack_lo);
		cnr_json_key(&j, "stack_hi");
		cnr_json_hex(&j, g->stack_hi);
		cnr_json_key(&j, "stack_complete");
		cnr_json_bool(&j, !g->stack_incomplete);
		cnr_json_key(&j, "created_by");
		if (tr->has_creator)
			json_frame(&j, &tr->creator, &tr->creator_frame, true, tr->creator_wrapper, t, NULL);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "frames");
		cnr_json_begin_array(&j);
		for (size_t f = 0; f < tr->nframes; f++) {
			const struct cnr_trace_frame *tf = &t->frames[tr->first_frame + f];
			json_frame(&j, &tf->sf, tf->fr, tf->last, tf->wrapper, t, tf);
		}
		cnr_json_end_array(&j);
		cnr_json_key(&j, "chan_waits");
		cnr_json_begin_array(&j);
		for (size_t w = 0; w < g->nwaits; w++) {
			const struct cnr_chan_wait *cw = &gs->waits[g->first_wait + w];
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "chan");
			cnr_json_hex(&j, cw->chan);
			cnr_json_key(&j, "elem");
			cnr_json_hex(&j, cw->elem);
			cnr_json_key(&j, "elem_word");
			cnr_json_hex(&j, cw->elem_word);
			cnr_json_key(&j, "select");
			cnr_json_bool(&j, cw->is_select);
			cnr_json_key(&j, "dir");
			cnr_json_string(&j, cw->dir);
			cnr_json_key(&j, "elem_type");
			cnr_json_string(&j, cw->elem_type);
			cnr_json_key(&j, "len");
			cnr_json_uint(&j, cw->qcount);
			cnr_json_key(&j, "cap");
			cnr_json_uint(&j, cw->dataqsiz);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}
