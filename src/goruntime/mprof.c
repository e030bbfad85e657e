// runtime.mbuckets and the profile specials, read as runtime.MemProfile
// and the sweeper see them (runtime/mprof.go, runtime/mheap.go).
#include "goruntime/mprof.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/program.h"
#include "goruntime/specials.h"
#include "util/vector.h"

enum {
	MAX_BUCKETS = 1 << 24,    // runtime/mprof.go: buckets are never freed; far more than any program makes
	MAX_STACK = 1024 + 8,     // runtime/mprof.go maxProfStackDepth (1.23+; 32 before), with slack
	MAX_SIZE_SHIFT = 48,      // no allocation is 256 TiB
	MAX_COUNT_SHIFT = 48,
	NFUTURE = 3,              // len(memRecord{}.future)
};

struct cycle_counts {
	uint64_t allocs, frees, alloc_bytes, free_bytes;
};

struct bucket_raw {
	uint64_t addr, size;
	uint32_t first_pc, npcs;
	struct cycle_counts active, future[NFUTURE];
};

DEFINE_VECTOR(bucket_vector, struct bucket_raw);
DEFINE_VECTOR(pc_vector, uint64_t);

static uint64_t word(const uint8_t *p, uint64_t size)
{
	uint64_t v = 0;
	memcpy(&v, p, size < 8 ? size : 8);
	return v;
}

static void read_cycle(const struct cnr_mprof_layout *l, const uint8_t *p, uint64_t size, struct cycle_counts *c)
{
	c->allocs = word(p + l->c_allocs, 8);
	c->frees = word(p + l->c_frees, 8);
	c->alloc_bytes = l->has_bytes ? word(p + l->c_alloc_bytes, 8) : c->allocs * size;
	c->free_bytes = l->has_bytes ? word(p + l->c_free_bytes, 8) : c->frees * size;
}

static void cycle_add(struct cycle_counts *a, const struct cycle_counts *b)
{
	a->allocs += b->allocs;
	a->frees += b->frees;
	a->alloc_bytes += b->alloc_bytes;
	a->free_bytes += b->free_bytes;
}

static bool plausible(const struct cycle_counts *c)
{
	return c->allocs >> MAX_COUNT_SHIFT == 0 && c->frees >> MAX_COUNT_SHIFT == 0 &&
	       c->alloc_bytes >> (MAX_COUNT_SHIFT + 8) == 0 && c->free_bytes >> (MAX_COUNT_SHIFT + 8) == 0;
}

// Read the bucket at addr into *b (its PCs appended to pcs); *next_ret is
// its allnext (UINT64_MAX if even the header is unreadable).  A bucket
// that cannot be trusted is CORRUPT or FAULT.
static struct cnr_error *read_bucket(struct cnr_program *prog, const struct cnr_mprof_layout *l, uint64_t addr,
				     struct pc_vector *pcs, struct bucket_raw *b, uint64_t *next_ret)
{
	uint8_t hdr[128];
	if (l->bucket_size > sizeof(hdr))
		return cnr_error_corrupt("runtime.bucket is %" PRIu64 " bytes", l->bucket_size);
	struct cnr_error *err = cnr_memory_read(&prog->mem, addr, hdr, l->bucket_size);
	*next_ret = UINT64_MAX; // unknown until the header is read: the list breaks off here
	if (err)
		return err;
	*next_ret = word(hdr + l->b_allnext, 8);
	uint64_t typ = word(hdr + l->b_typ, l->typ_size), nstk = word(hdr + l->b_nstk, 8);
	b->addr = addr;
	b->size = word(hdr + l->b_size, 8);
	if (l->mem_profile >= 0 && typ != (uint64_t)l->mem_profile)
		return cnr_error_corrupt("bucket 0x%" PRIx64 " of runtime.mbuckets has type %" PRIu64
					 ", not memProfile", addr, typ);
	if (nstk > MAX_STACK || b->size >> MAX_SIZE_SHIFT)
		return cnr_error_corrupt("bucket 0x%" PRIx64 " claims %" PRIu64 " frames of %" PRIu64 "-byte allocations",
					 addr, nstk, b->size);
	// runtime/mprof.go (*bucket).stk, mp: the stack follows the header,
	// the memRecord follows the stack.
	size_t have = pcs->size;
	if (!pc_vector_reserve(pcs, have + nstk + 1))
		return &cnr_enomem;
	if (nstk && (err = cnr_memory_read(&prog->mem, addr + l->bucket_size, pcs->data + have, nstk * 8)))
		return err;
	uint8_t rec[4 * 64];
	uint64_t rec_size = l->mr_future + NFUTURE * l->cycle_size;
	if (rec_size > sizeof(rec) || l->mr_active + l->cycle_size > rec_size)
		return cnr_error_corrupt("runtime.memRecord is %" PRIu64 " bytes", rec_size);
	if ((err = cnr_memory_read(&prog->mem, addr + l->bucket_size + nstk * 8, rec, rec_size)))
		return err;
	read_cycle(l, rec + l->mr_active, b->size, &b->active);
	bool ok = plausible(&b->active);
	for (int c = 0; c < NFUTURE; c++) {
		read_cycle(l, rec + l->mr_future + c * l->cycle_size, b->size, &b->future[c]);
		ok = ok && plausible(&b->future[c]);
	}
	if (!ok)
		return cnr_error_corrupt("bucket 0x%" PRIx64 " has implausible counts", addr);
	b->first_pc = (uint32_t)have;
	b->npcs = (uint32_t)nstk;
	pcs->size = have + nstk;
	return NULL;
}

static struct cnr_error *read_globals(struct cnr_program *prog, const struct cnr_mprof_layout *l,
				      struct cnr_mprof *mp, uint64_t *head_ret)
{
	uint64_t addr, v = 0;
	uint32_t cycle = 0;
	uint8_t disabled = 0;
	struct cnr_error *err;
	if ((err = cnr_program_global(prog, "runtime.MemProfileRate", &addr, NULL)) ||
	    (err = cnr_memory_read_u64(&prog->mem, addr, &v)))
		return err;
	mp->rate = (int64_t)v;
	// runtime/mprof.go (1.19+): set by the linker when nothing reaches
	// runtime.MemProfile; the runtime then sets MemProfileRate to 0.
	if (!cnr_program_global(prog, "runtime.disableMemoryProfiling", &addr, NULL) &&
	    !cnr_memory_read(&prog->mem, addr, &disabled, 1))
		mp->disabled_by_linker = disabled != 0;
	if ((err = cnr_program_global(prog, "runtime.mProfCycle", &addr, NULL)) ||
	    (err = cnr_memory_read(&prog->mem, addr + l->cycle_value, &cycle, 4)))
		return err;
	mp->cycle = cycle >> 1; // mProfCycleHolder.read: bit 0 is the flushed flag
	if ((err = cnr_program_global(prog, "runtime.mbuckets", &addr, NULL)) ||
	    (err = cnr_memory_read_u64(&prog->mem, addr + l->mbuckets_value, head_ret)))
		return err;
	return NULL;
}

// runtime/mprof.go MemProfile (memProfileInternal from 1.23): flush
// future[cycle % 3] into active; if then no bucket has any data ("a
// garbage collection has not yet happened"), accumulate all three cycles.
static void memprofile_flush(struct bucket_vector *bs, uint32_t cycle)
{
	bool clear = true;
	for (size_t i = 0; i < bs->size; i++) {
		struct bucket_raw *b = &bs->data[i];
		cycle_add(&b->active, &b->future[cycle % NFUTURE]);
		memset(&b->future[cycle % NFUTURE], 0, sizeof(b->future[0]));
		if (b->active.allocs || b->active.frees)
			clear = false;
	}
	if (!clear)
		return;
	for (size_t i = 0; i < bs->size; i++) {
		for (int c = 0; c < NFUTURE; c++)
			cycle_add(&bs->data[i].active, &bs->data[i].future[c]);
	}
}

struct cnr_error *cnr_mprof_read(struct cnr_program *prog, struct cnr_mprof *ret)
{
	struct cnr_mprof mp = { 0 };
	struct cnr_mprof_layout l;
	uint64_t head;
	struct cnr_error *err;
	if (!prog->dwarf)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "the executable has no DWARF");
	if ((err = cnr_mprof_layout_init(&l, prog->dwarf)) || (err = read_globals(prog, &l, &mp, &head)))
		return cnr_error_wrap(err, "cannot read the heap profile");
	struct bucket_vector bs = { 0 };
	struct pc_vector pcs = { 0 };
	struct cnr_error *first_bad = NULL;
	// Walk allnext, capped; Brent's cycle check costs one compare a step.
	uint64_t b = head, mark = head, lam = 0, power = 1;
	for (uint64_t n = 0; b; n++) {
		if (n == MAX_BUCKETS) {
			mp.truncated = true;
			err = cnr_error_corrupt("runtime.mbuckets does not end after %d buckets", MAX_BUCKETS);
			break;
		}
		struct bucket_raw raw;
		uint64_t next = 0;
		struct cnr_error *berr = read_bucket(prog, &l, b, &pcs, &raw, &next);
		if (berr && berr->code == CNR_ERROR_NO_MEMORY) {
			err = berr;
			goto fail;
		}
		if (berr && next == UINT64_MAX) { // not even its allnext: the list breaks off here
			mp.truncated = true;
			err = cnr_error_wrap(berr, "runtime.mbuckets breaks off at bucket 0x%" PRIx64, b);
			break;
		}
		if (berr) {
			mp.bad_buckets++;
			if (!first_bad)
				first_bad = berr;
			else
				cnr_error_destroy(berr);
		} else if (!bucket_vector_push(&bs, raw)) {
			err = &cnr_enomem;
			goto fail;
		}
		b = next;
		if (b == mark) {
			mp.truncated = true;
			err = cnr_error_corrupt("runtime.mbuckets loops back to bucket 0x%" PRIx64, b);
			break;
		}
		if (++lam == power) {
			mark = b;
			power *= 2;
			lam = 0;
		}
	}
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "heap profile partial: %zu buckets read", bs.size));
		err = NULL;
	}
	if (first_bad) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(first_bad, "heap profile partial: %" PRIu64
							  " unreadable bucket%s skipped, the first", mp.bad_buckets,
							  mp.bad_buckets == 1 ? "" : "s"));
		first_bad = NULL;
	}
	memprofile_flush(&bs, mp.cycle);
	mp.records = calloc(bs.size ? bs.size : 1, sizeof(*mp.records));
	if (!mp.records) {
		err = &cnr_enomem;
		goto fail;
	}
	for (size_t i = 0; i < bs.size; i++) {
		const struct bucket_raw *r = &bs.data[i];
		mp.records[i] = (struct cnr_mprof_record){
			.bucket = r->addr, .size = r->size, .first_pc = r->first_pc, .npcs = r->npcs,
			.allocs = r->active.allocs, .frees = r->active.frees,
			.alloc_bytes = r->active.alloc_bytes, .free_bytes = r->active.free_bytes,
		};
	}
	mp.nrecords = bs.size;
	mp.pcs = pcs.data;
	mp.npcs = pcs.size;
	free(bs.data);
	*ret = mp;
	return NULL;
fail:
	cnr_error_destroy(first_bad);
	free(bs.data);
	free(pcs.data);
	return err;
}

void cnr_mprof_deinit(struct cnr_mprof *mp)
{
	free(mp->records);
	free(mp->pcs);
	free(mp->samples);
	memset(mp, 0, sizeof(*mp));
}

DEFINE_VECTOR(sample_vector, struct cnr_mprof_sample);

struct sample_walk {
	struct cnr_program *prog;
	struct cnr_mprof *mp;
	uint64_t *by_bucket; // bucket address << 0, sorted; index = record
	uint32_t *record_of;
	struct sample_vector samples;
	int64_t kind;
	uint64_t sp_bucket;
	uint64_t first_bad_special, first_bad_bucket;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct cnr_mprof_sample *x = a, *y = b;
	return x->object < y->object ? -1 : x->object > y->object;
}

static struct cnr_error *profile_special(const struct cnr_special *s, void *arg)
{
	struct sample_walk *w = arg;
	if (s->kind != w->kind)
		return NULL;
	uint64_t bucket;
	struct cnr_error *err = cnr_memory_read_u64(&w->prog->mem, s->addr + w->sp_bucket, &bucket);
	if (err)
		return err;
	size_t n = w->mp->nrecords;
	uint64_t *hit = n ? bsearch(&bucket, w->by_bucket, n, sizeof(uint64_t), cmp_u64) : NULL;
	if (!hit) {
		if (!w->mp->bad_specials++) {
			w->first_bad_special = s->addr;
			w->first_bad_bucket = bucket;
		}
		return NULL;
	}
	struct cnr_mprof_sample smp = { .object = s->object, .record = w->record_of[hit - w->by_bucket] };
	return sample_vector_push(&w->samples, smp) ? NULL : &cnr_enomem;
}

struct cnr_error *cnr_mprof_read_samples(struct cnr_program *prog, struct cnr_mprof *mp)
{
	struct cnr_mprof_layout l;
	struct cnr_error *err = cnr_mprof_layout_init(&l, prog->dwarf);
	if (err)
		return err;
	size_t n = mp->nrecords;
	struct sample_walk w = { .prog = prog, .mp = mp, .kind = l.kind_profile, .sp_bucket = l.sp_bucket };
	// (address << 32 | index) would not fit: sort addresses and indexes together.
	uint64_t *pairs = malloc((n ? n : 1) * 2 * sizeof(uint64_t));
	w.by_bucket = malloc((n ? n : 1) * sizeof(uint64_t));
	w.record_of = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!pairs || !w.by_bucket || !w.record_of) {
		err = &cnr_enomem;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pairs[2 * i] = mp->records[i].bucket;
		pairs[2 * i + 1] = i;
	}
	qsort(pairs, n, 2 * sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		w.by_bucket[i] = pairs[2 * i];
		w.record_of[i] = (uint32_t)pairs[2 * i + 1];
	}
	if ((err = cnr_specials_walk(prog, "cannot find the sampled objects of the heap profile", profile_special, &w)))
		goto out;
	if (mp->bad_specials)
		cnr_warn(prog->ctx,
			 "heap profile partial: %" PRIu64 " profile special%s point%s outside runtime.mbuckets "
			 "(the first, 0x%" PRIx64 ", at bucket 0x%" PRIx64 ")",
			 mp->bad_specials, mp->bad_specials == 1 ? "" : "s", mp->bad_specials == 1 ? "s" : "",
			 w.first_bad_special, w.first_bad_bucket);
	qsort(w.samples.data, w.samples.size, sizeof(*w.samples.data), cmp_sample);
	free(mp->samples);
	mp->samples = w.samples.data;
	mp->nsamples = w.samples.size;
	w.samples.data = NULL;
out:
	free(pairs);
	free(w.by_bucket);
	free(w.record_of);
	free(w.samples.data);
	return err;
}

int64_t cnr_mprof_sample_record(const struct cnr_mprof *mp, uint64_t object)
{
	size_t lo = 0, hi = mp->nsamples;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mp->samples[mid].object < object)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < mp->nsamples && mp->samples[lo].object == object ? (int64_t)mp->samples[lo].record : -1;
}

// math.Exp as Go computes it on amd64 (math/exp_amd64.s archExp, the same
// from 1.19 to 1.27: Shibata's method, a Taylor series of x/16 squared
// four times), FMA or not as math's useFMA (AVX and FMA) chooses on the
// machine running it: the C library's exp() may round the last bit
// differently, and the scaled counts are truncated to integers.
// NEEDSWORK: cores of other architectures would want their own archExp.
static double go_exp(double x)
{
	static const double LN2U = 0.69314718055966295651160180568695068359375;
	static const double LN2L = 0.28235290563031577122588448175013436025525412068e-12;
	static const double LOG2E = 1.4426950408889634073599246810018920;
	static const double c[] = { 0.5, 1.0, 2.0, 1.6666666666666666667e-1, 4.1666666666666666667e-2,
				    8.3333333333333333333e-3, 1.3888888888888888889e-3, 1.9841269841269841270e-4,
				    2.4801587301587301587e-5 };
	uint64_t bits;
	memcpy(&bits, &x, 8);
	if ((bits & ~(1ULL << 63)) >= 0x7FF0000000000000ULL) // not finite
		return bits == 0xFFF0000000000000ULL ? 0 : x;
	if (x > 7.09782712893384e+02)
		return HUGE_VAL;
	static int use_fma = -1;
	if (use_fma < 0) {
		__builtin_cpu_init();
		use_fma = __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
	}
	int32_t e = (int32_t)lrint(LOG2E * x); // CVTSD2SL: round to nearest even
	double fe = e, x0 = x, x1;
	if (use_fma) {
		x0 = fma(-LN2U, fe, x0);
		x0 = fma(-LN2L, fe, x0);
		x0 *= 0.0625;
		x1 = c[8];
		x1 = fma(x1, x0, c[7]);
		x1 = fma(x1, x0, c[6]);
		x1 = fma(x1, x0, c[5]);
		x1 = fma(x1, x0, c[4]);
		x1 = fma(x1, x0, c[3]);
		x1 = fma(x1, x0, c[0]);
		x1 = fma(x1, x0, c[1]);
		x0 *= x1;
		for (int i = 0; i < 3; i++) {
			x1 = x0 + c[2];
			x0 *= x1;
		}
		x1 = x0 + c[2];
		x0 = fma(x0, x1, c[1]);
	} else {
		x0 -= LN2U * fe;
		x0 -= LN2L * fe;
		x0 *= 0.0625;
		x1 = c[8] * x0;
		x1 += c[7], x1 *= x0;
		x1 += c[6], x1 *= x0;
		x1 += c[5], x1 *= x0;
		x1 += c[4], x1 *= x0;
		x1 += c[3], x1 *= x0;
		x1 += c[0], x1 *= x0;
		x1 += c[1];
		x0 *= x1;
		for (int i = 0; i < 4; i++) {
			x1 = c[2] + x0;
			x0 *= x1;
		}
		x0 += c[1];
	}
	int64_t b = (int64_t)e + 0x3FF;
	double scale;
	if (b <= 0) { // denormal
		if (b < -52)
			return 0;
		uint64_t sb = (uint64_t)(b + 0x3FE) << 52;
		memcpy(&scale, &sb, 8);
		x0 *= scale;
		b = 1;
	} else if (b >= 0x7FF) {
		return HUGE_VAL;
	}
	uint64_t sb = (uint64_t)b << 52;
	memcpy(&scale, &sb, 8);
	return x0 * scale;
}

void cnr_mprof_scale(int64_t count, int64_t bytes, int64_t rate, int64_t *count_ret, int64_t *bytes_ret)
{
	// runtime/pprof/protomem.go scaleHeapSample.  1.27 passes the object
	// size and multiplies (count * size == bytes there: same result).
	if (count == 0 || bytes == 0) {
		*count_ret = *bytes_ret = 0;
		return;
	}
	if (rate <= 1) {
		*count_ret = count;
		*bytes_ret = bytes;
		return;
	}
	double avg = (double)bytes / (double)count;
	double scale = 1 / (1 - go_exp(-avg / (double)rate));
	*count_ret = (int64_t)((double)count * scale);
	*bytes_ret = (int64_t)((double)bytes * scale);
}
