#include "goruntime/goroutines.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
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
	uint64_t pc, sp;
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
	int64_t gidle, grunning, gsyscall, gwaiting, gdead, gdeadextra, gscan;
	struct thread_g *threads;
	size_t nthreads;
	struct g_vector gs;
	struct frame_vector frames;
	struct wait_vector waits;
	size_t ndead;
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

// A thread stopped inside a signal handler (a GOTRACEBACK=crash core: every
// thread dumps its stack from the handler, then sleeps there) holds the
// interrupted goroutine's registers in the kernel's signal frame.  Unwind
// the handler's frames up to runtime.sigtramp, which the kernel entered
// with [sp] = the sigreturn trampoline and the ucontext right above it
// (arch/x86/include/asm/sigframe.h: rt_sigframe).  uc_mcontext is at 40;
// gregs REG_RSP = 15, REG_RIP = 16 (sys/ucontext.h).
static bool find_signal_frame(struct reader *r, uint64_t *pc_io, uint64_t *sp_io)
{
	enum { UC_RSP = 40 + 15 * 8, UC_RIP = 40 + 16 * 8, MAX_HANDLER_FRAMES = 32 };
	uint64_t pc = *pc_io, sp = *sp_io;
	for (int i = 0; i < MAX_HANDLER_FRAMES; i++) {
		struct cnr_func f;
		int32_t spdelta;
		if (!cnr_pclntab_find(r->tab, pc, &f))
			return false;
		struct cnr_error *err = cnr_pclntab_pcvalue(r->tab, &f, f.pcsp, pc, &spdelta);
		if (err) {
			cnr_error_destroy(err);
			return false;
		}
		uint64_t fp = sp + (int64_t)spdelta + 8;
		if (strcmp(f.name, "runtime.sigtramp") == 0) {
			uint64_t rip, rsp;
			if (!cnr_memory_readable_u64(&r->prog->mem, fp + UC_RIP, &rip) ||
			    !cnr_memory_readable_u64(&r->prog->mem, fp + UC_RSP, &rsp))
				return false;
			cnr_debug(r->prog->ctx, "signal frame at 0x%" PRIx64 ": pc 0x%" PRIx64 " sp 0x%" PRIx64, fp, rip, rsp);
			*pc_io = rip;
			*sp_io = rsp;
			return true;
		}
		if (fp <= sp || !cnr_memory_readable_u64(&r->prog->mem, fp - 8, &pc))
			return false;
		sp = fp;
	}
	return false;
}

// Follow signal frames outward: the crash handler's own raise() nests a
// second signal inside the first (runtime/signal_unix.go dieFromSignal).
static void signal_context(struct reader *r, struct thread_g *tg)
{
	enum { MAX_NESTED_SIGNALS = 4 };
	for (int i = 0; i < MAX_NESTED_SIGNALS && find_signal_frame(r, &tg->pc, &tg->sp); i++)
		tg->trap = true;
}

// Which thread runs which goroutine: runtime.allm linked by m.alllink,
// m.procid = the thread id (runtime/os_linux.go minit: procid = gettid()).
static struct cnr_error *map_threads(struct reader *r)
{
	struct cnr_program *prog = r->prog;
	const struct cnr_rt_layout *l = r->l;
	uint64_t allm_addr, m;
	struct cnr_error *err = cnr_program_global(prog, "runtime.allm", &allm_addr, NULL);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, allm_addr, &m);
	if (err)
		return err;
	r->threads = calloc(prog->core->nthreads, sizeof(*r->threads));
	if (!r->threads)
		return &cnr_enomem;
	for (int i = 0; m && i < MAX_MS; i++) {
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
					.pc = th->regs[CNR_REG_RIP], .sp = th->regs[CNR_REG_RSP], .trap = true,
				};
				signal_context(r, tg);
				break;
			}
		}
		if (r->nthreads == prog->core->nthreads)
			break;
		m = next;
	}
	return NULL;
}

// Unwind from (pc, sp) as runtime/traceback.go does on amd64: fp = sp +
// pcsp(pc) + 8 (the return address CALL pushed), caller pc = *(fp - 8).
static bool unwind(struct reader *r, struct cnr_goroutine *g, uint64_t pc, uint64_t sp)
{
	struct cnr_program *prog = r->prog;
	g->first_frame = r->frames.size;
	for (int i = 0; i < MAX_FRAMES; i++) {
		struct cnr_frame fr = { .pc = pc, .sp = sp };
		if (!cnr_pclntab_find(r->tab, pc, &fr.func)) {
			cnr_warn(prog->ctx, "goroutine %" PRIu64 ": no function at pc 0x%" PRIx64 " (frame %d)", g->goid,
				 pc, i);
			return false;
		}
		int32_t spdelta;
		struct cnr_error *err = cnr_pclntab_pcvalue(r->tab, &fr.func, fr.func.pcsp, pc, &spdelta);
		if (err) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64, g->goid));
			return false;
		}
		fr.fp = sp + (int64_t)spdelta + 8;
		if (!frame_vector_push(&r->frames, fr))
			return false;
		g->nframes++;
		if (fr.func.flag & CNR_FUNC_FLAG_TOP_FRAME)
			return true;
		// An SPWRITE function may have switched stacks: the runtime does
		// not unwind past it either, unless it is the innermost frame.
		if (i > 0 && (fr.func.flag & CNR_FUNC_FLAG_SPWRITE))
			return true;
		if (fr.fp <= sp || fr.fp > g->stack_hi) {
			cnr_warn(prog->ctx, "goroutine %" PRIu64 ": frame of %s at sp 0x%" PRIx64
				 " leaves its stack [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 g->goid, fr.func.name, sp, g->stack_lo, g->stack_hi);
			return false;
		}
		uint64_t lr;
		err = cnr_memory_read_u64(&prog->mem, fr.fp - 8, &lr);
		if (err) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "goroutine %" PRIu64 ": return address", g->goid));
			return false;
		}
		if (lr == 0)
			return true;
		pc = lr;
		sp = fr.fp;
	}
	cnr_warn(prog->ctx, "goroutine %" PRIu64 ": stack deeper than %d frames, cut", g->goid, MAX_FRAMES);
	return false;
}

// Whether sudog is queued on a channel's waitq at q (linked by next).
static bool in_queue(struct reader *r, uint64_t q, uint64_t sudog)
{
	uint64_t s;
	if (!cnr_memory_readable_u64(&r->prog->mem, q + r->l->waitq_first, &s))
		return false;
	for (int i = 0; s && i < MAX_SUDOGS; i++) {
		if (s == sudog)
			return true;
		if (!cnr_memory_readable_u64(&r->prog->mem, s + r->l->sudog_next, &s))
			return false;
	}
	return false;
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
	// 1.26+ maybeTraceablePtr{vp, vu}: vu (the second word) is the address.
	uint64_t elem_off = l->sudog_elem + (l->sudog_elem_size == 16 ? 8 : 0);
	uint64_t c_off = l->sudog_c + (l->sudog_c_size == 16 ? 8 : 0);
	for (int i = 0; sudog && i < MAX_SUDOGS; i++) {
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
			return;
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
			return;
		g->nwaits++;
		sudog = next;
	}
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
	uint32_t status = raw & ~(uint32_t)r->gscan;
	if (status == r->gdead || (r->gdeadextra >= 0 && status == r->gdeadextra)) {
		r->ndead++;
		return;
	}
	struct cnr_goroutine g = {
		.addr = gaddr,
		.goid = u64_at(buf + l->g_goid),
		.status = status,
		.scan = raw & r->gscan,
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
	g.state = status < r->nstatus ? r->status_names[status] : "???";
	if (status == (uint32_t)r->gwaiting && g.waitreason && g.waitreason < r->nwait)
		g.state = r->wait_names[g.waitreason];

	uint64_t pc = u64_at(buf + l->g_sched_pc), sp = u64_at(buf + l->g_sched_sp);
	uint64_t syscallsp = u64_at(buf + l->g_syscallsp);
	for (size_t t = 0; t < r->nthreads; t++) {
		if (r->threads[t].curg != gaddr)
			continue;
		g.tid = r->threads[t].tid;
		// On its own stack the thread's registers are the truth; on the
		// system stack, curg.sched was saved by systemstack/mcall.
		if (status == (uint32_t)r->grunning && r->threads[t].sp >= g.stack_lo && r->threads[t].sp < g.stack_hi) {
			pc = r->threads[t].pc;
			sp = r->threads[t].sp;
			g.trap = r->threads[t].trap;
			syscallsp = 0;
		}
	}
	if (syscallsp) {
		pc = u64_at(buf + l->g_syscallpc);
		sp = syscallsp;
	}
	if (status == (uint32_t)r->grunning && !syscallsp && !g.tid && !prog->core->nthreads) {
		// Its registers were in the notes the core lost; g.sched is stale
		// while a goroutine runs.
		cnr_warn(prog->ctx, "goroutine %" PRIu64 " was running and the core has no thread registers "
			 "(its notes are lost): its stack is not read", g.goid);
		g.stack_incomplete = true;
	} else if (!unwind(r, &g, pc, sp)) {
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

static struct cnr_error *read_constants(struct reader *r)
{
	struct cnr_program *prog = r->prog;
	struct cnr_error *err;
	if ((err = cnr_program_constant(prog, "runtime._Gidle", &r->gidle)) ||
	    (err = cnr_program_constant(prog, "runtime._Grunning", &r->grunning)) ||
	    (err = cnr_program_constant(prog, "runtime._Gsyscall", &r->gsyscall)) ||
	    (err = cnr_program_constant(prog, "runtime._Gwaiting", &r->gwaiting)) ||
	    (err = cnr_program_constant(prog, "runtime._Gdead", &r->gdead)) ||
	    (err = cnr_program_constant(prog, "runtime._Gscan", &r->gscan)))
		return err;
	// runtime/runtime2.go (1.26+): _Gdeadextra, a dead g kept for cgo.
	err = cnr_program_constant(prog, "runtime._Gdeadextra", &r->gdeadextra);
	if (err) {
		cnr_error_destroy(err);
		r->gdeadextra = -1;
	}
	return NULL;
}

struct cnr_error *cnr_goroutines_read(struct cnr_program *prog, struct cnr_goroutines *ret)
{
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	struct reader r = { .prog = prog, .l = &prog->layout, .tab = prog->pclntab };
	uint64_t allgs_addr, allglen_addr, hdr[3], allglen;
	uint64_t *ptrs = NULL;
	if ((err = read_constants(&r)) ||
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
	for (uint64_t i = 0; i < n; i++) {
		if (!ptrs[i]) {
			cnr_warn(prog->ctx, "allgs[%" PRIu64 "] is nil", i);
			continue;
		}
		read_one(&r, ptrs[i], i);
	}
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
		g->waited_ns = g->waitsince && g->status == (uint32_t)r.gwaiting ? ret->now - g->waitsince : -1;
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
