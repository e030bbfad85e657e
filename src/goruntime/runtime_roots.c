#include "goruntime/runtime_roots.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/pclntab.h"
#include "goruntime/program.h"
#include "goruntime/specials.h"
#include "goruntime/types.h"
#include "util/seen_set.h"

enum {
	MAX_DEFERS = 1 << 16,           // per goroutine
	MAX_PANICS = 1 << 10,           // per goroutine (nested panics)
	MAX_PS = 1 << 12,               // runtime/proc.go: _MaxGomaxprocs is 1024
	MAX_TIMERS = 1 << 24,           // per P
	MAX_BAD_TIMERS = 16,            // unreadable timers before giving up on a P
	NAME_LEN = 512,
	KIND_FUNC = 19,                 // reflect.Func
};

struct walk {
	struct cnr_program *prog;
	uint32_t mask;
	cnr_root_add_fn *add;
	void *arg;
	struct cnr_type_cache *types;
	uint32_t goroutine; // the goroutine whose defers and panics are walked, else CNR_ROOT_NO_GOROUTINE
};

static bool wanted(const struct walk *w, enum cnr_root_kind kind)
{
	return w->mask >> kind & 1;
}

static uint64_t type_size(const struct cnr_dwarf *dw, const char *type)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, type);
	return t && t->has_size ? t->size : 0;
}

// The function whose code a funcval (a func value: a pointer to the code
// pointer, then any closure context) runs, or "?".
static const char *funcval_name(struct walk *w, uint64_t fv)
{
	uint64_t pc;
	struct cnr_func f;
	if (!fv || !cnr_memory_readable_u64(&w->prog->mem, fv, &pc))
		return "?";
	return cnr_pclntab_find(w->prog->pclntab, pc, &f) && f.name ? f.name : "?";
}

struct captured {
	const char *name;
	int64_t offset;
	bool found, by_ref;
};

static void on_captured(void *arg, const struct cnr_dwarf_frame_var *v)
{
	struct captured *c = arg;
	// A variable the closure may change is captured by reference: "&name".
	bool by_ref = v->name && v->name[0] == '&';
	if (!c->found && v->name && strcmp(v->name + by_ref, c->name) == 0) {
		c->offset = v->cfa_offset;
		c->found = true;
		c->by_ref = by_ref;
	}
}

// The word a closure captured as variable name (its offset in the closure
// context from DWARF, Go 1.23+), or 0.
static uint64_t captured_word(struct walk *w, uint64_t fv, const char *name)
{
	uint64_t pc, word;
	if (!fv || !cnr_memory_readable_u64(&w->prog->mem, fv, &pc))
		return 0;
	const struct cnr_dwarf_func *f = cnr_dwarf_func_at(w->prog->dwarf, pc - w->prog->bias);
	struct captured c = { .name = name };
	struct cnr_error *err = f ? cnr_dwarf_closure_vars(w->prog->dwarf, f, on_captured, &c) : NULL;
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	if (!c.found || c.offset < 8 || c.offset > 4096 || !cnr_memory_readable_u64(&w->prog->mem, fv + (uint64_t)c.offset, &word))
		return 0;
	if (c.by_ref && (!word || !cnr_memory_readable_u64(&w->prog->mem, word, &word)))
		return 0;
	return word;
}

static const char *type_name(struct walk *w, uint64_t type)
{
	const struct cnr_rtype *t;
	struct cnr_error *err;
	if (!type || !w->types)
		return "?";
	if ((err = cnr_type_get(w->types, type, &t))) {
		cnr_error_destroy(err);
		return "?";
	}
	return t->name ? t->name : "?";
}

// A root whose slot is at in_off inside a value of DWARF type in_type.
static struct cnr_error *add(struct walk *w, enum cnr_root_kind kind, uint64_t slot, uint64_t value, const char *name,
			     const char *in_type, uint64_t in_off)
{
	if (!value || !wanted(w, kind))
		return NULL;
	return w->add(w->arg, kind, slot, value, name, in_type, in_off, w->goroutine);
}

// Everything a failed read or a missing layout costs is one warning: the
// other root kinds still come.
static void warn(struct walk *w, struct cnr_error *err, const char *what)
{
	cnr_warn_error(w->prog->ctx, cnr_error_wrap(err, "%s", what));
}

// runtime/mgcmark.go markrootSpans: for each finalizer special, everything
// the object points to and the finalizer's fn are marked; for each cleanup
// special (Go 1.24+), its fn (a closure holding the cleanup's arg).  The
// object itself is what a developer asks about: "which object has a
// finalizer", so a finalizer is reported as a root of its object too.
struct special_walk {
	struct walk *w;
	const struct cnr_special_roots_layout *l;
};

static struct cnr_error *special_root(const struct cnr_special *s, void *arg)
{
	struct special_walk *sw = arg;
	struct walk *w = sw->w;
	const struct cnr_special_roots_layout *l = sw->l;
	struct cnr_memory *mem = &w->prog->mem;
	uint64_t sp = s->addr, obj = s->object;
	struct cnr_error *err;
	char name[NAME_LEN];
	if (s->kind == l->kind_finalizer) {
		uint64_t fn, ot;
		if ((err = cnr_memory_read_u64(mem, sp + l->fin_fn, &fn)) ||
		    (err = cnr_memory_read_u64(mem, sp + l->fin_ot, &ot)))
			return err;
		snprintf(name, sizeof(name), "finalizer of 0x%" PRIx64 " (fn %s)", obj, funcval_name(w, fn));
		// specialfinalizer.ot is the object's pointer type (*T), as
		// SetFinalizer saw it: the object's type for typing.
		const char *ot_name = type_name(w, ot);
		if ((err = add(w, CNR_ROOT_FINALIZER, sp, obj, name, strcmp(ot_name, "?") ? ot_name : NULL, 0)) ||
		    (err = add(w, CNR_ROOT_FINALIZER, sp + l->fin_fn, fn, name, "runtime.specialfinalizer", l->fin_fn)))
			return err;
	} else if (l->kind_weak >= 0 && s->kind == l->kind_weak) {
		uint64_t handle;
		if ((err = cnr_memory_read_u64(mem, sp + l->weak_handle, &handle)))
			return err;
		snprintf(name, sizeof(name), "weak handle of 0x%" PRIx64, obj);
		if ((err = add(w, CNR_ROOT_WEAK, sp + l->weak_handle, handle, name, "runtime.specialWeakHandle",
			       l->weak_handle)))
			return err;
	} else if (l->has_cleanup && s->kind == l->kind_cleanup) {
		uint64_t fn;
		if ((err = cnr_memory_read_u64(mem, sp + l->cleanup_fn, &fn)))
			return err;
		// 1.24-1.25: fn is AddCleanup's closure "func() { cleanup(arg) }":
		// name the cleanup it captured.
		uint64_t user = l->has_cleanup_arg ? 0 : captured_word(w, fn, "cleanup");
		snprintf(name, sizeof(name), "cleanup of 0x%" PRIx64 " (fn %s)", obj, funcval_name(w, user ? user : fn));
		if ((err = add(w, CNR_ROOT_CLEANUP, sp + l->cleanup_fn, fn, name, "runtime.specialCleanup",
			       l->cleanup_fn)))
			return err;
		uint64_t cleanup_arg;
		if (l->has_cleanup_arg &&
		    ((err = cnr_memory_read_u64(mem, sp + l->cleanup_arg, &cleanup_arg)) ||
		     (err = add(w, CNR_ROOT_CLEANUP, sp + l->cleanup_arg, cleanup_arg, name, "runtime.specialCleanup",
				l->cleanup_arg))))
			return err;
	}
	return NULL;
}

static struct cnr_error *special_roots(struct walk *w)
{
	static const char what[] = "cannot find finalizers, cleanups and weak handles";
	struct cnr_special_roots_layout l;
	struct cnr_error *err = cnr_special_roots_layout_init(w->prog, &l);
	if (err) {
		warn(w, err, what);
		return NULL;
	}
	struct special_walk sw = { w, &l };
	return cnr_specials_walk(w->prog, what, special_root, &sw);
}

// runtime/mgcmark.go scanstack: a goroutine's _defer records (heap ones
// are objects of their own) and each record's fn; its _panic records'
// arguments (panics live on the stack, their values anywhere).
struct g_layout {
	uint64_t g_defer, g_panic;
	uint64_t d_heap, d_fn, d_link;
	uint64_t p_arg, p_link;
};

static struct cnr_error *defer_roots(struct walk *w, const struct g_layout *l, const struct cnr_goroutine *g)
{
	struct cnr_memory *mem = &w->prog->mem;
	struct cnr_error *err;
	uint64_t slot = g->addr + l->g_defer, d;
	const char *slot_in = "runtime.g";
	uint64_t slot_off = l->g_defer;
	if ((err = cnr_memory_read_u64(mem, slot, &d)))
		return err;
	struct cnr_seen_set seen = { 0 };
	for (uint64_t n = 0; d && !err; n++) {
		if (n == MAX_DEFERS) {
			err = cnr_error_corrupt("_defer chain does not end after %d records", MAX_DEFERS);
			break;
		}
		if (!cnr_seen_add(&seen, d)) {
			err = cnr_error_corrupt("_defer at 0x%" PRIx64 " comes again after %" PRIu64
						" records (the chain loops); the rest is not read", d, n);
			break;
		}
		uint8_t heap;
		uint64_t fn, link;
		if ((err = cnr_memory_read(mem, d + l->d_heap, &heap, 1)) ||
		    (err = cnr_memory_read_u64(mem, d + l->d_fn, &fn)) ||
		    (err = cnr_memory_read_u64(mem, d + l->d_link, &link))) {
			err = cnr_error_wrap(err, "_defer at 0x%" PRIx64, d);
			break;
		}
		char name[NAME_LEN];
		snprintf(name, sizeof(name), "goroutine %" PRIu64 " defer %s", g->goid, fn ? funcval_name(w, fn) : "(open-coded)");
		if ((heap && (err = add(w, CNR_ROOT_DEFER, slot, d, name, slot_in, slot_off))) ||
		    (err = add(w, CNR_ROOT_DEFER, d + l->d_fn, fn, name, "runtime._defer", l->d_fn)))
			break;
		slot = d + l->d_link;
		slot_in = "runtime._defer";
		slot_off = l->d_link;
		d = link;
	}
	cnr_seen_deinit(&seen);
	return err;
}

static struct cnr_error *panic_roots(struct walk *w, const struct g_layout *l, const struct cnr_goroutine *g)
{
	struct cnr_memory *mem = &w->prog->mem;
	struct cnr_error *err;
	uint64_t p;
	if ((err = cnr_memory_read_u64(mem, g->addr + l->g_panic, &p)))
		return err;
	struct cnr_seen_set seen = { 0 };
	for (uint64_t n = 0; p; n++) {
		if (n == MAX_PANICS) {
			err = cnr_error_corrupt("_panic chain does not end after %d records", MAX_PANICS);
			break;
		}
		if (!cnr_seen_add(&seen, p)) {
			err = cnr_error_corrupt("_panic at 0x%" PRIx64 " comes again after %" PRIu64
						" records (the chain loops); the rest is not read", p, n);
			break;
		}
		uint64_t arg[2], link;
		if ((err = cnr_memory_read(mem, p + l->p_arg, arg, sizeof(arg))) ||
		    (err = cnr_memory_read_u64(mem, p + l->p_link, &link))) {
			err = cnr_error_wrap(err, "_panic at 0x%" PRIx64, p);
			break;
		}
		char name[NAME_LEN];
		snprintf(name, sizeof(name), "goroutine %" PRIu64 " panic value (%s)", g->goid, type_name(w, arg[0]));
		if ((err = add(w, CNR_ROOT_PANIC, p + l->p_arg + 8, arg[1], name, "runtime._panic", l->p_arg + 8)))
			break;
		p = link;
	}
	cnr_seen_deinit(&seen);
	return err;
}

static struct cnr_error *goroutine_roots(struct walk *w, const struct cnr_goroutines *gs)
{
	const struct cnr_dwarf *dw = w->prog->dwarf;
	struct g_layout l;
	struct cnr_error *err;
	if ((err = cnr_dwarf_offsetof(dw, "runtime.g", "_defer", &l.g_defer)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.g", "_panic", &l.g_panic)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime._defer", "heap", &l.d_heap)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime._defer", "fn", &l.d_fn)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime._defer", "link", &l.d_link)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime._panic", "arg", &l.p_arg)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime._panic", "link", &l.p_link))) {
		warn(w, err, "cannot find defers and panics");
		return NULL;
	}
	for (size_t i = 0; i < gs->ngs; i++) {
		const struct cnr_goroutine *g = &gs->gs[i];
		w->goroutine = (uint32_t)i;
		if (wanted(w, CNR_ROOT_DEFER) && (err = defer_roots(w, &l, g))) {
			if (err->code == CNR_ERROR_NO_MEMORY)
				return err;
			cnr_warn_error(w->prog->ctx, cnr_error_wrap(err, "defers of goroutine %" PRIu64, g->goid));
		}
		if (wanted(w, CNR_ROOT_PANIC) && (err = panic_roots(w, &l, g))) {
			if (err->code == CNR_ERROR_NO_MEMORY)
				return err;
			cnr_warn_error(w->prog->ctx, cnr_error_wrap(err, "panics of goroutine %" PRIu64, g->goid));
		}
	}
	w->goroutine = CNR_ROOT_NO_GOROUTINE;
	return NULL;
}

// "59m58s", as time.Duration prints it (to the second).
static void format_duration(int64_t ns, char *buf, size_t len)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t s = (uint64_t)(ns < 0 ? -(ns / 1000000000) : ns / 1000000000);
	if (s >= 3600)
		snprintf(buf, len, "%s%" PRIu64 "h%" PRIu64 "m%" PRIu64 "s", sign, s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%s%" PRIu64 "m%" PRIu64 "s", sign, s / 60, s % 60);
	else
		snprintf(buf, len, "%s%" PRIu64 "s", sign, s);
}

// The timers of each P (runtime/time.go): up to 1.22 p.timers is a
// []*timer heap; from 1.23 p.timers.heap is a []timerWhen.  A timer holds
// f and arg (for time.AfterFunc, f is time.goFunc and arg the user's func).
struct timer_layout {
	uint64_t heap_off, stride, timer_off; // slice in runtime.p, element size, *timer in an element
	uint64_t when, f, arg;
};

static struct cnr_error *timer_roots(struct walk *w, const struct cnr_goroutines *gs)
{
	struct cnr_program *prog = w->prog;
	const struct cnr_dwarf *dw = prog->dwarf;
	struct cnr_memory *mem = &prog->mem;
	struct timer_layout l = { 0 };
	uint64_t allp[3];
	struct cnr_error *err;
	if (prog->ops->timers_when_heap) {
		err = cnr_dwarf_offsetof(dw, "runtime.p", "timers.heap", &l.heap_off);
		if (!err)
			err = cnr_dwarf_offsetof(dw, "runtime.timerWhen", "timer", &l.timer_off);
		l.stride = type_size(dw, "runtime.timerWhen");
	} else {
		err = cnr_dwarf_offsetof(dw, "runtime.p", "timers", &l.heap_off);
		l.stride = 8;
	}
	uint64_t allp_addr;
	if (err || (err = cnr_dwarf_offsetof(dw, "runtime.timer", "when", &l.when)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.timer", "f", &l.f)) ||
	    (err = cnr_dwarf_offsetof(dw, "runtime.timer", "arg", &l.arg)) ||
	    (err = cnr_program_global(prog, "runtime.allp", &allp_addr, NULL)) ||
	    (err = cnr_memory_read(mem, allp_addr, allp, sizeof(allp)))) {
		warn(w, err, "cannot find timers");
		return NULL;
	}
	if (!l.stride || l.timer_off + 8 > l.stride || allp[1] > MAX_PS || allp[1] > allp[2]) {
		cnr_warn(prog->ctx, "cannot find timers: runtime.allp claims %" PRIu64 " Ps, timer heap elements are %" PRIu64
				    " bytes", allp[1], l.stride);
		return NULL;
	}
	for (uint64_t i = 0; i < allp[1]; i++) {
		uint64_t p, heap[3];
		if ((err = cnr_memory_read_u64(mem, allp[0] + 8 * i, &p)) || !p ||
		    (err = cnr_memory_read(mem, p + l.heap_off, heap, sizeof(heap)))) {
			if (err)
				warn(w, err, "cannot read a P's timers");
			continue;
		}
		if (heap[1] > MAX_TIMERS || heap[1] > heap[2]) {
			cnr_warn(prog->ctx, "timers of P 0x%" PRIx64 " claim %" PRIu64 " entries (cap %" PRIu64 ")", p, heap[1],
				 heap[2]);
			continue;
		}
		struct cnr_seen_set seen = { 0 };
		for (uint64_t k = 0, bad = 0; k < heap[1]; k++) {
			uint64_t t, when, f, arg[2];
			if ((err = cnr_memory_read_u64(mem, heap[0] + k * l.stride + l.timer_off, &t))) {
				warn(w, err, "cannot read a P's timer heap");
				break;
			}
			if (!t)
				continue;
			if (!cnr_seen_add(&seen, t)) {
				cnr_warn(prog->ctx, "timer heap of P 0x%" PRIx64 ": timer 0x%" PRIx64 " comes again at entry %"
					 PRIu64 " of %" PRIu64 "; the rest of this heap is not read", p, t, k, heap[1]);
				break;
			}
			if ((err = cnr_memory_read(mem, t + l.when, &when, 8)) ||
			    (err = cnr_memory_read_u64(mem, t + l.f, &f)) ||
			    (err = cnr_memory_read(mem, t + l.arg, arg, sizeof(arg)))) {
				warn(w, err, "cannot read a timer");
				if (++bad == MAX_BAD_TIMERS)
					break;
				continue;
			}
			// For a func arg (time.AfterFunc), the user's function names the timer.
			const struct cnr_rtype *at = NULL;
			struct cnr_error *terr = arg[0] && w->types ? cnr_type_get(w->types, arg[0], &at) : NULL;
			cnr_error_destroy(terr);
			const char *fname = at && !terr && at->kind == KIND_FUNC && arg[1] ? funcval_name(w, arg[1])
											: funcval_name(w, f);
			char name[NAME_LEN], due[64];
			if (gs && gs->now) {
				format_duration((int64_t)when - gs->now, due, sizeof(due));
				snprintf(name, sizeof(name), "timer (fires in %s) %s", due, fname);
			} else {
				snprintf(name, sizeof(name), "timer %s", fname);
			}
			if ((err = add(w, CNR_ROOT_TIMER, t + l.arg + 8, arg[1], name, "runtime.timer", l.arg + 8)) ||
			    (err = add(w, CNR_ROOT_TIMER, t + l.f, f, name, "runtime.timer", l.f))) {
				cnr_seen_deinit(&seen);
				return err;
			}
		}
		cnr_seen_deinit(&seen);
	}
	return NULL;
}

struct cnr_error *cnr_runtime_roots_read(struct cnr_program *prog, const struct cnr_goroutines *gs, uint32_t mask,
					 cnr_root_add_fn *add_fn, void *arg)
{
	struct walk w = { .prog = prog, .mask = mask, .add = add_fn, .arg = arg, .goroutine = CNR_ROOT_NO_GOROUTINE };
	struct cnr_error *err = NULL;
	if (!prog->dwarf)
		return NULL;
	if (mask & (1u << CNR_ROOT_PANIC | 1u << CNR_ROOT_TIMER)) {
		err = cnr_type_cache_create(prog, &w.types);
		if (err) {
			if (err->code == CNR_ERROR_NO_MEMORY)
				return err;
			warn(&w, err, "runtime roots are named without types");
			w.types = NULL;
		}
	}
	if (mask & (1u << CNR_ROOT_FINALIZER | 1u << CNR_ROOT_CLEANUP | 1u << CNR_ROOT_WEAK))
		err = special_roots(&w);
	if (!err && gs && mask & (1u << CNR_ROOT_DEFER | 1u << CNR_ROOT_PANIC))
		err = goroutine_roots(&w, gs);
	if (!err && mask & 1u << CNR_ROOT_TIMER)
		err = timer_roots(&w, gs);
	cnr_type_cache_destroy(w.types);
	return err;
}
