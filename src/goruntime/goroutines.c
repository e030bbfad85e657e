#include "goruntime/goroutines.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "util/seen_set.h"
#include "util/vector.h"

// Caps on walks over target data: past them the data is corrupt.
enum {
	MAX_GOROUTINES = 1 << 24,
	MAX_FRAMES = 4096,
	MAX_MS = 1 << 16,
	MAX_SUDOGS = 4096,
	MAX_ENUM_STRING = 128,
	MAX_G_SIZE = 4096,
};

DEFINE_VECTOR(g_vector, struct cnr_goroutine)
DEFINE_VECTOR(frame_vector, struct cnr_frame)
DEFINE_VECTOR(wait_vector, struct cnr_chan_wait)

struct thread_g {
	int tid;
	uint64_t curg;
	uint64_t pc, sp, lr; // lr: the link register (arm64), 0 on amd64
	bool trap; // pc is the interrupted instruction, not a return address
};

struct reader {
	struct cnr_program *prog;
	struct cnr_type_cache *types;
	const struct cnr_rt_layout *l;
	struct cnr_pclntab *tab;
	char **status_names;
	size_t nstatus;
	char **wait_names;
	size_t nwait;
	struct cnr_gstatus_layout st;
	struct thread_g *threads;
	size_t nthreads;
	struct g_vector gs;
	struct frame_vector frames;
	struct wait_vector waits;
	size_t ndead;
	struct cnr_seen_set looping_queues; // wait queues already said to loop: one warning each
};

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

// A [N]string global of the runtime (gStatusStrings, waitReasonStrings):
// reading the binary's own strings keeps us right when Go reorders them.
static struct cnr_error *read_string_array(struct cnr_program *prog, const char *name, char ***ret, size_t *n_ret)
{
	uint64_t addr;
	const struct cnr_dwarf_var *v;
	struct cnr_error *err = cnr_program_global(prog, name, &addr, &v);
	if (err)
		return err;
	const struct cnr_dwarf_type *t = cnr_dwarf_type_strip(prog->dwarf, cnr_dwarf_type_at(prog->dwarf, v->type_offset));
	if (!t || !t->count || t->count > 256)
		return cnr_error_corrupt("'%s' is not a string array in the DWARF", name);
	char **names = calloc(t->count, sizeof(*names));
	if (!names)
		return &cnr_enomem;
	for (uint64_t i = 0; i < t->count; i++) {
		err = cnr_program_read_go_string(prog, addr + 16 * i, MAX_ENUM_STRING, &names[i]);
		if (err) {
			for (uint64_t j = 0; j < i; j++)
				free(names[j]);
			free(names);
			return cnr_error_wrap(err, "cannot read '%s[%" PRIu64 "]'", name, i);
		}
	}
	*ret = names;
	*n_ret = t->count;
	return NULL;
}

static void free_strings(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

// The frame at (pc, sp) of f ends at its CFA, *fp_ret (runtime/traceback.go).
static struct cnr_error *frame_top(struct reader *r, const struct cnr_func *f, uint64_t pc, uint64_t sp,
				   uint64_t *fp_ret)
{
	int32_t spdelta;
	struct cnr_error *err = cnr_pclntab_pcvalue(r->tab, f, f->pcsp, pc, &spdelta);
	if (!err)
		*fp_ret = cnr_arch_frame_top(r->prog->core->arch, sp, spdelta);
	return err;
}

// Where the caller of the frame [sp, fp) resumes: the link register lr of
// a frame not set up yet, else the saved return address.
static struct cnr_error *caller_pc(struct reader *r, uint64_t sp, uint64_t fp, uint64_t lr, uint64_t *ret)
{
	uint64_t slot;
	if (!cnr_arch_return_slot(r->prog->core->arch, sp, fp, lr, &slot)) {
		*ret = lr;
		return NULL;
	}
	return cnr_memory_read_u64(&r->prog->mem, slot, ret);
}

// Whether the frame [sp, fp) moves the unwinder outward: every frame but
// one not set up yet, still returning through the link register, has fp > sp.
static bool frame_advances(struct reader *r, uint64_t sp, uint64_t fp, uint64_t lr)
{
	uint64_t slot;
	return fp > sp || !cnr_arch_return_slot(r->prog->core->arch, sp, fp, lr, &slot);
}

// A thread stopped inside a signal handler (a GOTRACEBACK=crash core: every
// thread dumps its stack from the handler, then sleeps there) holds the
// interrupted goroutine's registers in the kernel's signal frame.  Unwind
// the handler's frames up to runtime.sigtramp, whose CFA is where the
// kernel put the signal frame (the arch table says where the ucontext and
// its pc, sp and lr are).
static bool find_signal_frame(struct reader *r, uint64_t *pc_io, uint64_t *sp_io, uint64_t *lr_io)
{
	enum { MAX_HANDLER_FRAMES = 32 };
	const struct cnr_arch *a = r->prog->core->arch;
	uint64_t pc = *pc_io, sp = *sp_io, lr = *lr_io;
	for (int i = 0; i < MAX_HANDLER_FRAMES; i++) {
		struct cnr_func f;
		uint64_t fp;
		if (!cnr_pclntab_find(r->tab, pc, &f))
			return false;
		struct cnr_error *err = frame_top(r, &f, pc, sp, &fp);
		if (err) {
			cnr_error_destroy(err);
			return false;
		}
		if (strcmp(f.name, "runtime.sigtramp") == 0) {
			uint64_t uc = fp + a->uc_offset, upc, usp, ulr = 0;
			if (!cnr_memory_readable_u64(&r->prog->mem, uc + a->uc_pc, &upc) ||
			    !cnr_memory_readable_u64(&r->prog->mem, uc + a->uc_sp, &usp) ||
			    (a->uc_lr && !cnr_memory_readable_u64(&r->prog->mem, uc + a->uc_lr, &ulr)))
				return false;
			cnr_debug(r->prog->ctx, "signal frame at 0x%" PRIx64 ": pc 0x%" PRIx64 " sp 0x%" PRIx64, fp, upc,
				  usp);
			*pc_io = upc;
			*sp_io = usp;
			*lr_io = ulr;
			return true;
		}
		uint64_t lr_here = i == 0 ? lr : 0;
		if (!frame_advances(r, sp, fp, lr_here) || (err = caller_pc(r, sp, fp, lr_here, &pc))) {
			cnr_error_destroy(err);
			return false;
		}
		sp = fp;
	}
	return false;
}

// Follow signal frames outward: the crash handler's own raise() nests a
// second signal inside the first (runtime/signal_unix.go dieFromSignal).
static void signal_context(struct reader *r, struct thread_g *tg)
{
	enum { MAX_NESTED_SIGNALS = 4 };
	for (int i = 0; i < MAX_NESTED_SIGNALS && find_signal_frame(r, &tg->pc, &tg->sp, &tg->lr); i++)
		tg->trap = true;
}

// Which thread runs which goroutine: runtime.allm linked by m.alllink,
// m.procid = the thread id (runtime/os_linux.go minit: procid = gettid()).
static struct cnr_error *map_threads(struct reader *r)
{
	struct cnr_program *prog = r->prog;
	const struct cnr_rt_layout *l = r->l;
	const struct cnr_arch *a = prog->core->arch;
	uint64_t allm_addr, m;
	struct cnr_error *err = cnr_program_global(prog, "runtime.allm", &allm_addr, NULL);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, allm_addr, &m);
	if (err)
		return err;
	r->threads = calloc(prog->core->nthreads, sizeof(*r->threads));
	if (!r->threads)
		return &cnr_enomem;
	struct cnr_seen_set seen = { 0 };
	for (int i = 0; m && i < MAX_MS; i++) {
		if (!cnr_seen_add(&seen, m)) {
			cnr_warn(prog->ctx, "runtime.allm: m at 0x%" PRIx64 " comes again after %d (.alllink loops); "
				 "the rest is not read", m, i);
			break;
		}
		uint64_t procid, curg, next;
		if ((err = cnr_memory_read_u64(&prog->mem, m + l->m_procid, &procid)) ||
		    (err = cnr_memory_read_u64(&prog->mem, m + l->m_curg, &curg)) ||
		    (err = cnr_memory_read_u64(&prog->mem, m + l->m_alllink, &next))) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot read runtime.m at 0x%" PRIx64, m));
			break;
		}
		for (size_t t = 0; t < prog->core->nthreads; t++) {
			const struct cnr_core_thread *th = &prog->core->threads[t];
			if ((uint64_t)th->tid == procid && curg) {
				struct thread_g *tg = &r->threads[r->nthreads++];
				*tg = (struct thread_g){
					.tid = th->tid, .curg = curg,
					.pc = th->regs[a->reg_pc], .sp = th->regs[a->reg_sp],
					.lr = a->reg_lr >= 0 ? th->regs[a->reg_lr] : 0, .trap = true,
				};
				signal_context(r, tg);
				break;
			}
		}
		if (r->nthreads == prog->core->nthreads)
			break;
		m = next;
	}
	cnr_seen_deinit(&seen);
	return NULL;
}

// A call the signal handler made the interrupted code appear to make
// (runtime/traceback.go unwinder.next: injectedCall).
static bool injected_call(const struct cnr_func *f)
{
	return strcmp(f->name, "runtime.sigpanic") == 0 || strcmp(f->name, "runtime.asyncPreempt") == 0 ||
	       strcmp(f->name, "runtime.debugCallV2") == 0;
}

// Unwind from (pc, sp, lr) as runtime/traceback.go does, one frame_step at
// a time; lr is the innermost frame's link register (0 if none or unknown).
static bool unwind(struct reader *r, struct cnr_goroutine *g, uint64_t pc, uint64_t sp, uint64_t lr)
{
	struct cnr_program *prog = r->prog;
	const struct cnr_arch *a = prog->core->arch;
	g->first_frame = r->frames.size;
	for (int i = 0; i < MAX_FRAMES; i++) {
		struct cnr_frame fr = { .pc = pc, .sp = sp };
		if (!cnr_pclntab_find(r->tab, pc, &fr.func)) {
			cnr_warn(prog->ctx, "goroutine %" PRIu64 ": no function at pc 0x%" PRIx64 " (frame %d)", g->goid,
				 pc, i);
			return false;
		}
		struct cnr_error *err = frame_top(r, &fr.func, pc, sp, &fr.fp);
		if (err) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64, g->goid));
			return false;
		}
		if (!frame_vector_push(&r->frames, fr))
			return false;
		g->nframes++;
		if (fr.func.flag & CNR_FUNC_FLAG_TOP_FRAME)
			return true;
		// An SPWRITE function may have switched stacks: the runtime does
		// not unwind past it either, unless it is the innermost frame.
		if (i > 0 && (fr.func.flag & CNR_FUNC_FLAG_SPWRITE))
			return true;
		if (!frame_advances(r, sp, fr.fp, lr) || fr.fp > g->stack_hi) {
			cnr_warn(prog->ctx, "goroutine %" PRIu64 ": frame of %s at sp 0x%" PRIx64
				 " leaves its stack [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 g->goid, fr.func.name, sp, g->stack_lo, g->stack_hi);
			return false;
		}
		uint64_t caller;
		err = caller_pc(r, sp, fr.fp, lr, &caller);
		if (err) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": return address", g->goid));
			return false;
		}
		if (caller == 0)
			return true;
		pc = caller;
		sp = fr.fp;
		lr = 0;
		// On LR machines the handler saved the interrupted LR below the
		// interrupted sp before faking the call (runtime/signal_arm64.go
		// pushCall); a caller without a frame yet returns through it.
		if (a->injected_call_frame && injected_call(&fr.func)) {
			uint64_t saved_lr;
			if ((err = cnr_memory_read_u64(&prog->mem, sp, &saved_lr))) {
				cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": saved LR", g->goid));
				return false;
			}
			sp += a->injected_call_frame;
			struct cnr_func caller_func;
			int32_t spdelta;
			if (!cnr_pclntab_find(r->tab, pc, &caller_func))
				pc = saved_lr;
			else if (!cnr_pclntab_pcvalue(r->tab, &caller_func, caller_func.pcsp, pc, &spdelta) && spdelta == 0)
				lr = saved_lr;
		}
	}
	cnr_warn(prog->ctx, "goroutine %" PRIu64 ": stack deeper than %d frames, cut", g->goid, MAX_FRAMES);
	return false;
}

// Whether sudog is queued on a channel's waitq at q (linked by next).
static bool in_queue(struct reader *r, uint64_t q, uint64_t sudog)
{
	uint64_t s;
	struct cnr_error *err = cnr_memory_read_u64(&r->prog->mem, q + r->l->waitq_first, &s);
	struct cnr_seen_set seen = { 0 };
	bool found = false;
	for (int i = 0; !err && s && i < MAX_SUDOGS && !found; i++) {
		if (!cnr_seen_add(&seen, s)) {
			// Every goroutine waiting on the channel walks its queue.
			if (cnr_seen_add(&r->looping_queues, q))
				cnr_warn(r->prog->ctx, "channel wait queue at 0x%" PRIx64 ": sudog at 0x%" PRIx64
					 " comes again after %d (.next loops); the rest is not read", q, s, i);
			break;
		}
		found = s == sudog;
		err = cnr_memory_read_u64(&r->prog->mem, s + r->l->sudog_next, &s);
	}
	cnr_error_destroy(err);
	cnr_seen_deinit(&seen);
	return found;
}

// The channel's element type, buffer fill, and which queue holds w.
static void describe_chan(struct reader *r, struct cnr_chan_wait *w)
{
	const struct cnr_rt_layout *l = r->l;
	struct cnr_program *prog = r->prog;
	uint64_t elemtype = 0;
	w->dir = in_queue(r, w->chan + l->hchan_sendq, w->sudog)	  ? "send"
		 : in_queue(r, w->chan + l->hchan_recvq, w->sudog) ? "recv"
								    : "?";
	struct cnr_error *err;
	if ((err = cnr_memory_read_u64(&prog->mem, w->chan + l->hchan_qcount, &w->qcount)) ||
	    (err = cnr_memory_read_u64(&prog->mem, w->chan + l->hchan_dataqsiz, &w->dataqsiz)) ||
	    (err = cnr_memory_read_u64(&prog->mem, w->chan + l->hchan_elemtype, &elemtype))) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot read channel at 0x%" PRIx64, w->chan));
		return;
	}
	const struct cnr_rtype *t;
	if (r->types && elemtype) {
		err = cnr_type_get(r->types, elemtype, &t);
		if (err)
			cnr_warn_error(prog->ctx, err);
		else {
			w->elem_type = t->name;
			w->elem_pointers = t->ptrdata > 0;
		}
	}
}

// The sudogs of a blocked goroutine: g.waiting, linked through waitlink;
// one per channel for a select (runtime/select.go).
static void read_waits(struct reader *r, struct cnr_goroutine *g, uint64_t sudog)
{
	struct cnr_program *prog = r->prog;
	const struct cnr_rt_layout *l = r->l;
	g->first_wait = r->waits.size;
	uint64_t elem_off = l->sudog_elem_addr, c_off = l->sudog_c_addr;
	struct cnr_seen_set seen = { 0 };
	for (int i = 0; sudog && i < MAX_SUDOGS; i++) {
		if (!cnr_seen_add(&seen, sudog)) {
			cnr_warn(prog->ctx, "goroutine %" PRIu64 ": sudog at 0x%" PRIx64 " comes again after %d "
				 "(.waitlink loops); the rest is not read", g->goid, sudog, i);
			break;
		}
		struct cnr_chan_wait w = { .sudog = sudog };
		uint8_t is_select = 0;
		uint64_t next;
		struct cnr_error *err;
		if ((err = cnr_memory_read_u64(&prog->mem, sudog + elem_off, &w.elem)) ||
		    (err = cnr_memory_read_u64(&prog->mem, sudog + c_off, &w.chan)) ||
		    (err = cnr_memory_read(&prog->mem, sudog + l->sudog_isselect, &is_select, 1)) ||
		    (err = cnr_memory_read_u64(&prog->mem, sudog + l->sudog_waitlink, &next))) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": sudog at 0x%" PRIx64,
								 g->goid, sudog));
			break;
		}
		w.is_select = is_select;
		if (!w.chan)
			break; // a sync primitive's sudog (semaphores), not a channel
		if (w.elem) {
			err = cnr_memory_read_u64(&prog->mem, w.elem, &w.elem_word);
			if (err) {
				cnr_error_destroy(err); // elem may be a zero-size element
				w.elem_word = 0;
			}
		}
		describe_chan(r, &w);
		if (!wait_vector_push(&r->waits, w))
			break;
		g->nwaits++;
		sudog = next;
	}
	cnr_seen_deinit(&seen);
}

static void read_one(struct reader *r, uint64_t gaddr, size_t index)
{
	struct cnr_program *prog = r->prog;
	const struct cnr_rt_layout *l = r->l;
	uint8_t buf[MAX_G_SIZE];
	struct cnr_error *err = cnr_memory_read(&prog->mem, gaddr, buf, l->g_size);
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot read allgs[%zu] (runtime.g at 0x%" PRIx64 ")",
							 index, gaddr));
		return;
	}
	uint32_t raw = u32_at(buf + l->g_atomicstatus);
	uint32_t status = raw & ~(uint32_t)r->st.gscan;
	if (status == r->st.gdead || (r->st.gdeadextra >= 0 && status == r->st.gdeadextra)) {
		r->ndead++;
		return;
	}
	struct cnr_goroutine g = {
		.addr = gaddr,
		.goid = u64_at(buf + l->g_goid),
		.status = status,
		.scan = raw & r->st.gscan,
		.waitreason = buf[l->g_waitreason],
		.waitsince = (int64_t)u64_at(buf + l->g_waitsince),
		.gopc = u64_at(buf + l->g_gopc),
		.startpc = u64_at(buf + l->g_startpc),
		.parent_goid = l->has_parentgoid ? u64_at(buf + l->g_parentgoid) : 0,
		.stack_lo = u64_at(buf + l->g_stack_lo),
		.stack_hi = u64_at(buf + l->g_stack_hi),
	};
	// runtime/traceback.go goroutineheader: the status name, overridden by
	// the wait reason while waiting.
	g.state = status < r->nstatus && r->status_names[status][0] ? r->status_names[status] : NULL;
	if (!g.state) {
		g.state = "???";
		cnr_warn(prog->ctx, "goroutine %" PRIu64 " (runtime.g at 0x%" PRIx64 "): status %" PRIu32
			 " is not one of runtime.gStatusStrings; shown as '%s'", g.goid, gaddr, status, g.state);
	}
	if (status == (uint32_t)r->st.gwaiting && g.waitreason) {
		if (g.waitreason < r->nwait && r->wait_names[g.waitreason][0])
			g.state = r->wait_names[g.waitreason];
		else
			cnr_warn(prog->ctx, "goroutine %" PRIu64 " (runtime.g at 0x%" PRIx64 "): wait reason %u is not one "
				 "of runtime.waitReasonStrings; shown as '%s'", g.goid, gaddr, g.waitreason, g.state);
	}

	// gobuf.lr is set on LR machines only (runtime/sys_arm64.go
	// gostartcall: a goroutine that has not run yet returns to goexit).
	uint64_t pc = u64_at(buf + l->g_sched_pc), sp = u64_at(buf + l->g_sched_sp), lr = u64_at(buf + l->g_sched_lr);
	uint64_t syscallsp = u64_at(buf + l->g_syscallsp);
	for (size_t t = 0; t < r->nthreads; t++) {
		if (r->threads[t].curg != gaddr)
			continue;
		g.tid = r->threads[t].tid;
		// On its own stack the thread's registers are the truth; on the
		// system stack, curg.sched was saved by systemstack/mcall.
		if (status == (uint32_t)r->st.grunning && r->threads[t].sp >= g.stack_lo && r->threads[t].sp < g.stack_hi) {
			pc = r->threads[t].pc;
			sp = r->threads[t].sp;
			lr = r->threads[t].lr;
			g.trap = r->threads[t].trap;
			syscallsp = 0;
		}
	}
	if (syscallsp) {
		pc = u64_at(buf + l->g_syscallpc);
		sp = syscallsp;
		lr = 0; // as the runtime's traceback of a goroutine in a syscall
	}
	if (status == (uint32_t)r->st.grunning && !syscallsp && !g.tid && !prog->core->nthreads) {
		// Its registers were in the notes the core lost; g.sched is stale
		// while a goroutine runs.
		cnr_warn(prog->ctx, "goroutine %" PRIu64 " was running and the core has no thread registers "
			 "(its notes are lost): its stack is not read", g.goid);
		g.stack_incomplete = true;
	} else if (!unwind(r, &g, pc, sp, lr)) {
		g.stack_incomplete = true;
	}
	read_waits(r, &g, u64_at(buf + l->g_waiting));
	if (!g_vector_push(&r->gs, g))
		cnr_warn(prog->ctx, "out of memory reading goroutines");
}

// runtime/proc.go sysmon: each P's sysmontick.schedwhen/syscallwhen is the
// nanotime of sysmon's last look at it; sched.lastpoll and
// memstats.last_gc_nanotime are other recent readings of the same clock.
static int64_t estimate_now(struct cnr_program *prog)
{
	int64_t now = 0, v;
	uint64_t addr, off, hdr[3];
	struct cnr_error *err;
	if (!cnr_program_global(prog, "runtime.sched", &addr, NULL) &&
	    !cnr_dwarf_offsetof(prog->dwarf, "runtime.schedt", "lastpoll", &off) &&
	    cnr_memory_readable(&prog->mem, addr + off, &v, 8) && v > now)
		now = v;
	if (!cnr_program_global(prog, "runtime.memstats", &addr, NULL) &&
	    !cnr_dwarf_offsetof(prog->dwarf, "runtime.mstats", "last_gc_nanotime", &off) &&
	    cnr_memory_readable(&prog->mem, addr + off, &v, 8) && v > now)
		now = v;
	uint64_t sched_off, sys_off;
	if (cnr_program_global(prog, "runtime.allp", &addr, NULL) ||
	    cnr_dwarf_offsetof(prog->dwarf, "runtime.p", "sysmontick.schedwhen", &sched_off) ||
	    cnr_dwarf_offsetof(prog->dwarf, "runtime.p", "sysmontick.syscallwhen", &sys_off) ||
	    !cnr_memory_readable(&prog->mem, addr, hdr, sizeof(hdr)))
		return now;
	for (uint64_t i = 0; i < hdr[1] && i < 1 << 16; i++) {
		uint64_t p;
		if (!cnr_memory_readable_u64(&prog->mem, hdr[0] + 8 * i, &p) || !p)
			continue;
		if (cnr_memory_readable(&prog->mem, p + sched_off, &v, 8) && v > now)
			now = v;
		if (cnr_memory_readable(&prog->mem, p + sys_off, &v, 8) && v > now)
			now = v;
	}
	(void)err;
	return now;
}

struct cnr_error *cnr_goroutines_read(struct cnr_program *prog, struct cnr_goroutines *ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct reader r = { .prog = prog, .l = &prog->layout, .tab = prog->pclntab };
	uint64_t allgs_addr, allglen_addr, hdr[3], allglen;
	uint64_t *ptrs = NULL;
	if ((err = cnr_gstatus_layout_init(prog, &r.st)) ||
	    (err = read_string_array(prog, "runtime.gStatusStrings", &r.status_names, &r.nstatus)) ||
	    (err = read_string_array(prog, "runtime.waitReasonStrings", &r.wait_names, &r.nwait)) ||
	    (err = cnr_program_global(prog, "runtime.allgs", &allgs_addr, NULL)) ||
	    (err = cnr_program_global(prog, "runtime.allglen", &allglen_addr, NULL)) ||
	    (err = cnr_memory_read(&prog->mem, allgs_addr, hdr, sizeof(hdr))) ||
	    (err = cnr_memory_read_u64(&prog->mem, allglen_addr, &allglen)))
		goto out;
	if (r.l->g_size > MAX_G_SIZE) {
		err = cnr_error_corrupt("runtime.g is %" PRIu64 " bytes in the DWARF", r.l->g_size);
		goto out;
	}
	// runtime/proc.go: allglen is the count to use; allgs may be longer.
	uint64_t n = allglen < hdr[1] ? allglen : hdr[1];
	if (n > MAX_GOROUTINES || hdr[1] > hdr[2]) {
		err = cnr_error_corrupt("runtime.allgs at 0x%" PRIx64 " claims %" PRIu64 " goroutines (len %" PRIu64
					", cap %" PRIu64 ")",
					allgs_addr, allglen, hdr[1], hdr[2]);
		goto out;
	}
	ptrs = malloc(n ? n * 8 : 1);
	if (!ptrs) {
		err = &cnr_enomem;
		goto out;
	}
	err = cnr_memory_read(&prog->mem, hdr[0], ptrs, n * 8);
	if (err) {
		err = cnr_error_wrap(err, "cannot read the runtime.allgs array");
		goto out;
	}
	err = cnr_type_cache_create(prog, &r.types);
	if (err)
		goto out;
	err = map_threads(&r);
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot map threads to goroutines"));
		err = NULL;
	}
	struct cnr_seen_set seen = { 0 };
	for (uint64_t i = 0, repeats = 0; i < n; i++) {
		if (!ptrs[i]) {
			cnr_warn(prog->ctx, "allgs[%" PRIu64 "] is nil", i);
			continue;
		}
		// A g listed twice would be reported (and its stack scanned) twice.
		if (!cnr_seen_add(&seen, ptrs[i])) {
			if (!repeats++)
				cnr_warn(prog->ctx, "runtime.allgs: g at 0x%" PRIx64 " comes again at allgs[%" PRIu64
					 "]; repeated entries are skipped", ptrs[i], i);
			continue;
		}
		read_one(&r, ptrs[i], i);
	}
	cnr_seen_deinit(&seen);
	// How long each goroutine has waited, where the runtime recorded when
	// it started to (runtime/traceback.go goroutineheader: waitsince).
	ret->now = estimate_now(prog);
	for (size_t i = 0; i < r.gs.size; i++) {
		struct cnr_goroutine *g = &r.gs.data[i];
		if (g->waitsince > ret->now)
			ret->now = g->waitsince;
	}
	for (size_t i = 0; i < r.gs.size; i++) {
		struct cnr_goroutine *g = &r.gs.data[i];
		g->waited_ns = g->waitsince && g->status == (uint32_t)r.st.gwaiting ? ret->now - g->waitsince : -1;
	}
	// Names live in the status/wait arrays we keep; hand them over.
	ret->gs = r.gs.data;
	ret->ngs = r.gs.size;
	ret->ndead = r.ndead;
	ret->frames = r.frames.data;
	ret->nframes = r.frames.size;
	ret->waits = r.waits.data;
	ret->nwaits = r.waits.size;
	ret->allglen = allglen;
	ret->types = r.types;
	r.types = NULL;
	ret->names_[0] = r.status_names;
	ret->names_[1] = r.wait_names;
	ret->nnames_[0] = r.nstatus;
	ret->nnames_[1] = r.nwait;
	r.status_names = r.wait_names = NULL;
	r.gs.data = NULL;
	r.frames.data = NULL;
	r.waits.data = NULL;
out:
	cnr_seen_deinit(&r.looping_queues);
	cnr_type_cache_destroy(r.types);
	free(ptrs);
	free(r.threads);
	free_strings(r.status_names, r.nstatus);
	free_strings(r.wait_names, r.nwait);
	g_vector_deinit(&r.gs);
	frame_vector_deinit(&r.frames);
	wait_vector_deinit(&r.waits);
	return err;
}

void cnr_goroutines_deinit(struct cnr_goroutines *gs)
{
	cnr_type_cache_destroy(gs->types);
	free(gs->gs);
	free(gs->frames);
	free(gs->waits);
	free_strings(gs->names_[0], gs->nnames_[0]);
	free_strings(gs->names_[1], gs->nnames_[1]);
	memset(gs, 0, sizeof(*gs));
}
