// `coroner goroutines` (see goroutines_report.h).
#include "report/goroutines_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/stackmaps.h"
#include "report/json_writer.h"

enum { MAX_SOURCE_FRAMES = 64 };

// The pc to look lines up at: a return address points after the call, so
// use the call itself; only an interrupted pc (registers of a running
// thread) is exact (runtime/traceback.go: unwinder.symPC).
static uint64_t trace_pc(const struct cnr_frame *fr, bool exact)
{
	return !exact && fr->pc > fr->func.entry ? fr->pc - 1 : fr->pc;
}

typedef void frame_fn(void *arg, const struct cnr_source_frame *sf, const struct cnr_frame *fr, bool last);

// Call fn for every source frame (inlined calls first) of g's stack.
static void for_each_source_frame(struct cnr_program *prog, const struct cnr_goroutines *gs,
				  const struct cnr_goroutine *g, frame_fn *fn, void *arg)
{
	for (size_t i = 0; i < g->nframes; i++) {
		const struct cnr_frame *fr = &gs->frames[g->first_frame + i];
		struct cnr_source_frame sfs[MAX_SOURCE_FRAMES];
		size_t n = 0;
		struct cnr_error *err =
			cnr_pclntab_source_frames(prog->pclntab, &fr->func, trace_pc(fr, i == 0 && g->trap), sfs,
						  MAX_SOURCE_FRAMES, &n);
		if (err) {
			cnr_warn_error(prog->ctx, err);
			if (n == 0) {
				sfs[0] = (struct cnr_source_frame){ .function = fr->func.name, .file = "?" };
				n = 1;
			}
		}
		for (size_t k = 0; k < n; k++)
			fn(arg, &sfs[k], fr, k + 1 == n);
	}
}

struct text_arg {
	FILE *out;
	const char *indent;
};

static void print_frame(void *arg, const struct cnr_source_frame *sf, const struct cnr_frame *fr, bool last)
{
	struct text_arg *a = arg;
	fprintf(a->out, "%s%s(%s)\n%s\t%s:%d", a->indent, sf->function, sf->inlined ? "..." : "", a->indent, sf->file,
		sf->line);
	if (last && !sf->inlined)
		fprintf(a->out, " +0x%" PRIx64, fr->pc - fr->func.entry);
	fputc('\n', a->out);
}

// Where g was created (its go statement), as Go's traceback shows it:
// false if unknown or for goroutine 1 (runtime/traceback.go printcreatedby).
static bool created_by(struct cnr_program *prog, const struct cnr_goroutine *g, struct cnr_source_frame *sf,
		       struct cnr_frame *fr)
{
	struct cnr_func f;
	if (!g->gopc || g->goid == 1 || !cnr_pclntab_find(prog->pclntab, g->gopc, &f))
		return false;
	*fr = (struct cnr_frame){ .pc = g->gopc, .func = f };
	struct cnr_source_frame sfs[MAX_SOURCE_FRAMES];
	size_t n = 0;
	struct cnr_error *err = cnr_pclntab_source_frames(prog->pclntab, &f, trace_pc(fr, false), sfs, MAX_SOURCE_FRAMES, &n);
	if (err || n == 0) {
		cnr_error_destroy(err);
		return false;
	}
	*sf = sfs[0];
	return true;
}

static void print_created_by(struct cnr_program *prog, const struct cnr_goroutine *g, FILE *out, const char *indent)
{
	struct cnr_source_frame sf;
	struct cnr_frame fr;
	if (!created_by(prog, g, &sf, &fr))
		return;
	fprintf(out, "%screated by %s", indent, sf.function);
	if (g->parent_goid)
		fprintf(out, " in goroutine %" PRIu64, g->parent_goid);
	fprintf(out, "\n%s\t%s:%d +0x%" PRIx64 "\n", indent, sf.file, sf.line, g->gopc - fr.func.entry);
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

void cnr_goroutines_report_all(struct cnr_program *prog, const struct cnr_goroutines *gs, FILE *out)
{
	struct text_arg a = { out, "" };
	for (size_t i = 0; i < gs->ngs; i++) {
		const struct cnr_goroutine *g = &gs->gs[i];
		if (i)
			fputc('\n', out);
		print_header(g, out);
		for_each_source_frame(prog, gs, g, print_frame, &a);
		if (g->stack_incomplete)
			fputs("...stack incomplete (see warnings)\n", out);
		print_created_by(prog, g, out, "");
		for (size_t w = 0; w < g->nwaits; w++) {
			const struct cnr_chan_wait *cw = &gs->waits[g->first_wait + w];
			fprintf(out, "%s chan %s 0x%" PRIx64 " (len %" PRIu64 ", cap %" PRIu64 "), elem at 0x%" PRIx64 "%s\n",
				cw->dir, cw->elem_type ? cw->elem_type : "?", cw->chan, cw->qcount, cw->dataqsiz, cw->elem,
				cw->is_select ? " (select)" : "");
		}
	}
}

void cnr_goroutines_report_grouped(struct cnr_program *prog, const struct cnr_goroutines *gs,
				   const struct cnr_goroutine_groups *gg, FILE *out)
{
	fprintf(out, "%zu goroutines in %zu groups", gs->ngs, gg->ngroups);
	if (gs->ndead)
		fprintf(out, " (%zu dead g structs not shown)", gs->ndead);
	fputs("\n", out);
	struct text_arg a = { out, "    " };
	for (size_t k = 0; k < gg->ngroups; k++) {
		const struct cnr_goroutine_group *gr = &gg->groups[k];
		const uint32_t *members = &gg->members[gr->first];
		const struct cnr_goroutine *g = &gs->gs[members[0]];
		fprintf(out, "\n%" PRIu32 " goroutine%s [%s]:", gr->count, gr->count == 1 ? "" : "s", g->state);
		for (uint32_t i = 0; i < gr->count && i < 16; i++)
			fprintf(out, " %" PRIu64, gs->gs[members[i]].goid);
		if (gr->count > 16)
			fputs(" ...", out);
		fputc('\n', out);
		for_each_source_frame(prog, gs, g, print_frame, &a);
		print_created_by(prog, g, out, "    ");
	}
}

struct json_arg {
	struct cnr_json *j;
	int64_t wrapper_id;
	struct cnr_program *prog;
	const struct cnr_goroutines *gs;
	const struct cnr_goroutine *g; // NULL for the created-by frame
};

static void json_slot(void *arg, const struct cnr_live_slot *s)
{
	struct cnr_json *j = arg;
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

static void json_frame(void *arg, const struct cnr_source_frame *sf, const struct cnr_frame *fr, bool last)
{
	struct cnr_json *j = ((struct json_arg *)arg)->j;
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
		cnr_json_bool(j, ((struct json_arg *)arg)->wrapper_id >= 0 &&
					 fr->func.funcid == ((struct json_arg *)arg)->wrapper_id);
		cnr_json_key(j, "pc");
		cnr_json_hex(j, fr->pc);
		cnr_json_key(j, "sp");
		cnr_json_hex(j, fr->sp);
		cnr_json_key(j, "fp");
		cnr_json_hex(j, fr->fp);
		const struct json_arg *a = arg;
		if (a->g) {
			// The live pointer slots of this frame: the stack roots.
			cnr_json_key(j, "live_slots");
			cnr_json_begin_array(j);
			struct cnr_error *err = cnr_frame_live_slots(a->prog, a->g, fr,
								     (size_t)(fr - &a->gs->frames[a->g->first_frame]),
								     json_slot, j);
			cnr_json_end_array(j);
			if (err)
				cnr_warn_error(a->prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": frame of %s",
									    a->g->goid, fr->func.name));
		}
	}
	cnr_json_end_object(j);
}

void cnr_goroutines_report_json(struct cnr_program *prog, const struct cnr_goroutines *gs, FILE *out)
{
	struct cnr_json j;
	struct json_arg a = { &j, prog->layout.funcid_wrapper, prog, gs, NULL };
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "count");
	cnr_json_uint(&j, gs->ngs);
	cnr_json_key(&j, "dead");
	cnr_json_uint(&j, gs->ndead);
	cnr_json_key(&j, "goroutines");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < gs->ngs; i++) {
		const struct cnr_goroutine *g = &gs->gs[i];
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
		struct cnr_source_frame sf;
		struct cnr_frame fr;
		cnr_json_key(&j, "created_by");
		if (created_by(prog, g, &sf, &fr))
			json_frame(&a, &sf, &fr, true);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "frames");
		cnr_json_begin_array(&j);
		a.g = g;
		for_each_source_frame(prog, gs, g, json_frame, &a);
		a.g = NULL;
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
