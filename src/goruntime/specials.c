// One walk over the span specials (runtime/mheap.go mspan.specials) for
// the runtime roots (finalizers, cleanups, weak handles) and the heap
// profile (specialprofile).
#include "goruntime/specials.h"

#include <inttypes.h>
#include <stdlib.h>

#include "goruntime/program.h"
#include "util/seen_set.h"

enum {
	MAX_SPANS = 1 << 28,
	SPAN_CHUNK = 4096,
	MAX_SPECIALS = 1 << 26,          // in all spans: a cycle ends here
	MAX_SPECIALS_PER_SPAN = 1 << 16, // more than one per object of any span
};

static struct cnr_error *span_specials(struct cnr_program *prog, const struct cnr_specials_layout *l, uint64_t span,
				       uint64_t *budget, cnr_special_fn *fn, void *arg)
{
	struct cnr_memory *mem = &prog->mem;
	uint64_t sp, start, elemsize;
	uint8_t state;
	struct cnr_error *err;
	if ((err = cnr_memory_read_u64(mem, span + l->span_specials, &sp)) || !sp)
		return err;
	if ((err = cnr_memory_read(mem, span + l->span_state, &state, 1)) ||
	    (err = cnr_memory_read_u64(mem, span + l->span_start, &start)) ||
	    (err = cnr_memory_read_u64(mem, span + l->span_elemsize, &elemsize)))
		return err;
	if (state != l->in_use)
		return NULL;
	// A list that loops is read up to its first repeat (one warning, by
	// the caller), never around again.
	struct cnr_seen_set seen = { 0 };
	for (uint64_t n = 0; sp; n++) {
		if (n == MAX_SPECIALS_PER_SPAN || !*budget) {
			cnr_seen_deinit(&seen);
			return cnr_error_corrupt("specials list of mspan 0x%" PRIx64 " does not end after %" PRIu64
						 " entries", span, n);
		}
		if (!cnr_seen_add(&seen, sp)) {
			cnr_seen_deinit(&seen);
			return cnr_error_corrupt("special at 0x%" PRIx64 " comes again after %" PRIu64
						 " entries (the list loops); the rest is not read", sp, n);
		}
		--*budget;
		uint64_t next, off = 0;
		uint8_t kind;
		if ((err = cnr_memory_read_u64(mem, sp + l->sp_next, &next)) ||
		    (err = cnr_memory_read(mem, sp + l->sp_offset, &off, l->sp_offset_size)) ||
		    (err = cnr_memory_read(mem, sp + l->sp_kind, &kind, 1))) {
			cnr_seen_deinit(&seen);
			return err;
		}
		struct cnr_special s = {
			.addr = sp,
			.object = start + (elemsize ? off / elemsize * elemsize : off),
			.span = span,
			.kind = kind,
		};
		if ((err = fn(&s, arg))) {
			cnr_seen_deinit(&seen);
			return err;
		}
		sp = next;
	}
	cnr_seen_deinit(&seen);
	return NULL;
}

struct cnr_error *cnr_specials_walk(struct cnr_program *prog, const char *what, cnr_special_fn *fn, void *arg)
{
	struct cnr_specials_layout l;
	uint64_t mheap, allspans_off, hdr[3];
	struct cnr_error *err;
	if ((err = cnr_specials_layout_init(prog, &l)) || (err = cnr_program_global(prog, "runtime.mheap_", &mheap, NULL)) ||
	    (err = cnr_dwarf_offsetof(prog->dwarf, "runtime.mheap", "allspans", &allspans_off)) ||
	    (err = cnr_memory_read(&prog->mem, mheap + allspans_off, hdr, sizeof(hdr)))) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "%s", what));
		return NULL;
	}
	if (hdr[1] > MAX_SPANS || hdr[1] > hdr[2]) {
		cnr_warn(prog->ctx, "%s: mheap_.allspans claims %" PRIu64 " spans (cap %" PRIu64 ")", what, hdr[1],
			 hdr[2]);
		return NULL;
	}
	uint64_t *chunk = malloc(SPAN_CHUNK * sizeof(*chunk));
	if (!chunk)
		return &cnr_enomem;
	uint64_t budget = MAX_SPECIALS;
	for (uint64_t i = 0; i < hdr[1]; i += SPAN_CHUNK) {
		uint64_t n = hdr[1] - i < SPAN_CHUNK ? hdr[1] - i : SPAN_CHUNK;
		if ((err = cnr_memory_read(&prog->mem, hdr[0] + i * 8, chunk, n * 8))) {
			cnr_warn_error(prog->ctx, cnr_error_wrap(err, "%s: cannot read mheap_.allspans", what));
			break;
		}
		for (uint64_t k = 0; k < n; k++) {
			if (!chunk[k])
				continue;
			err = span_specials(prog, &l, chunk[k], &budget, fn, arg);
			if (err && err->code == CNR_ERROR_NO_MEMORY) {
				free(chunk);
				return err;
			}
			if (err)
				cnr_warn_error(prog->ctx, cnr_error_wrap(err, "specials of mspan 0x%" PRIx64, chunk[k]));
		}
	}
	free(chunk);
	return NULL;
}
