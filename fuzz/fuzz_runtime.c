// libFuzzer target, structure-aware: the committed fixture core is loaded
// once; each input overwrites words inside the Go runtime's own
// structures in it (mheap_ and its span table, the spans, allgs, the g's,
// sudogs, specials, map headers, channels and the records the scenario's
// truth.json names), then runs the whole `report` pipeline (heap graph,
// roots, typing, dominators, suspects, text or JSON) and undoes them.
//
// Input: flags (1 byte: bit 0 JSON), then records of 14 bytes: region
// kind (1), instance (2), word (2), mode (1), value (8).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "goruntime/goroutines.h"
#include "goruntime/heap_graph.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "analysis/leak_model.h"
#include "report/leak_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum region_kind {
	R_MHEAP, R_ALLSPANS, R_SPAN, R_ALLGS, R_G, R_SUDOG, R_SPECIAL, R_TRUTH, R_NKINDS
};

enum { MAX_RECORDS = 64, MAX_INSTANCES = 1 << 16, MAX_SPECIALS_PER_SPAN = 64 };

struct instance {
	uint64_t addr, size;
};

struct kind {
	struct instance *v;
	size_t n, cap;
};

static struct kind kinds[R_NKINDS];
static FILE *devnull;

static void add(enum region_kind k, uint64_t addr, uint64_t size)
{
	struct kind *kd = &kinds[k];
	if (!addr || !size || kd->n >= MAX_INSTANCES)
		return;
	if (kd->n == kd->cap) {
		kd->cap = kd->cap ? 2 * kd->cap : 64;
		kd->v = realloc(kd->v, kd->cap * sizeof(*kd->v));
		if (!kd->v)
			abort();
	}
	kd->v[kd->n++] = (struct instance){ addr, size };
}

static uint64_t type_size(struct cnr_program *prog, const char *name, uint64_t dflt)
{
	const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(prog->dwarf, name);
	return t ? cnr_dwarf_type_size(prog->dwarf, t) : dflt;
}

static uint64_t offset_of(struct cnr_program *prog, const char *type, const char *field)
{
	uint64_t off;
	struct cnr_error *err = cnr_dwarf_offsetof(prog->dwarf, type, field, &off);
	if (err) {
		fprintf(stderr, "fuzz: %s\n", cnr_error_message(err));
		abort();
	}
	return off;
}

static uint64_t read_word(struct cnr_program *prog, uint64_t addr)
{
	uint64_t v = 0;
	cnr_error_destroy(cnr_memory_read_u64(&prog->mem, addr, &v));
	return v;
}

// Every "addr": "0x..." in truth.json: the scenario's maps, channels and
// runtime records (defers, finalized objects, ...), 64 bytes of each.
static void add_truth_objects(void)
{
	FILE *f = fopen(fuzz_fixture_file("truth.json"), "r");
	if (!f)
		return;
	char line[1 << 16];
	static const char key[] = "\"addr\": \"0x";
	while (fgets(line, sizeof(line), f)) {
		for (char *p = strstr(line, key); p; p = strstr(p + 1, key))
			add(R_TRUTH, strtoull(p + sizeof(key) - 1, NULL, 16), 64);
	}
	fclose(f);
}

static void init(struct cnr_program *prog)
{
	devnull = fopen("/dev/null", "w");
	uint64_t mheap, allgs;
	const struct cnr_dwarf_var *v;
	if (cnr_program_global(prog, "runtime.mheap_", &mheap, &v) || cnr_program_global(prog, "runtime.allgs", &allgs, NULL))
		abort();
	add(R_MHEAP, mheap, cnr_dwarf_type_size(prog->dwarf, cnr_dwarf_type_at(prog->dwarf, v->type_offset)));
	uint64_t spans = read_word(prog, mheap + offset_of(prog, "runtime.mheap", "allspans"));
	uint64_t nspans = read_word(prog, mheap + offset_of(prog, "runtime.mheap", "allspans") + 8);
	add(R_ALLSPANS, spans, nspans * 8);
	uint64_t span_size = type_size(prog, "runtime.mspan", 160);
	uint64_t specials = offset_of(prog, "runtime.mspan", "specials");
	uint64_t special_next = offset_of(prog, "runtime.special", "next");
	for (uint64_t i = 0; i < nspans && i < MAX_INSTANCES; i++) {
		uint64_t s = read_word(prog, spans + 8 * i);
		add(R_SPAN, s, span_size);
		uint64_t sp = read_word(prog, s + specials);
		for (int k = 0; sp && k < MAX_SPECIALS_PER_SPAN; k++, sp = read_word(prog, sp + special_next))
			add(R_SPECIAL, sp, 32);
	}
	add(R_ALLGS, read_word(prog, allgs), read_word(prog, allgs + 8) * 8);
	struct cnr_goroutines gs;
	if (cnr_goroutines_read(prog, &gs))
		abort();
	uint64_t g_size = type_size(prog, "runtime.g", 400), sudog_size = type_size(prog, "runtime.sudog", 88);
	for (size_t i = 0; i < gs.ngs; i++)
		add(R_G, gs.gs[i].addr, g_size);
	for (size_t i = 0; i < gs.nwaits; i++)
		add(R_SUDOG, gs.waits[i].sudog, sudog_size);
	cnr_goroutines_deinit(&gs);
	add_truth_objects();
	for (int k = 0; k < R_NKINDS; k++) {
		if (!kinds[k].n) {
			fprintf(stderr, "fuzz: the fixture has no runtime structure of kind %d\n", k);
			abort();
		}
	}
}

// A plausible pointer: the start or inside of another structure.
static uint64_t pointer_into(uint64_t value)
{
	const struct kind *kd = &kinds[value % R_NKINDS];
	const struct instance *in = &kd->v[(value >> 8) % kd->n];
	return in->addr + ((value >> 24) % (in->size / 8 + 1)) * 8;
}

static void apply_record(struct cnr_program *prog, struct fuzz_input *in)
{
	const struct kind *kd = &kinds[fuzz_take(in, 1) % R_NKINDS];
	const struct instance *inst = &kd->v[fuzz_take(in, 2) % kd->n];
	uint64_t addr = inst->addr + (fuzz_take(in, 2) % ((inst->size + 7) / 8)) * 8;
	unsigned mode = (unsigned)fuzz_take(in, 1);
	uint64_t value = fuzz_take(in, 8), old = read_word(prog, addr), word;
	switch (mode % 7) {
	case 0: word = value; break;
	case 1: word = old + (uint64_t)(int64_t)(int8_t)value; break; // off by a little
	case 2: word = old ^ (1ull << (value % 64)); break;
	case 3: word = pointer_into(value); break;
	case 4: word = 0; break;
	case 5: word = inst->addr; break; // back to its own structure: a cycle
	default: word = ~0ull << (value % 64); break;
	}
	fuzz_poke(prog, addr, &word, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnr_program *prog = fuzz_fixture_program();
	if (!devnull)
		init(prog);
	struct fuzz_input in = { data, size };
	struct cnr_leak_report_opts opts = { .top = CNR_LEAK_DEFAULT_TOP, .max_groups = CNR_LEAK_DEFAULT_GROUPS };
	opts.json = fuzz_take(&in, 1) & 1;
	for (size_t i = 0; i < MAX_RECORDS && in.left; i++)
		apply_record(prog, &in);
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (!err) {
		// As cmd_report.c runs it.
		if (!(err = cnr_heap_typing_build(prog, &hg))) {
			struct cnr_leak_model m;
			if (!(err = cnr_leak_model_build(prog, &hg, opts.top, &m))) {
				cnr_leak_report(&m, &opts, devnull);
				cnr_leak_model_deinit(&m);
			}
			cnr_heap_typing_release(&hg);
		}
		cnr_heap_graph_deinit(&hg);
	}
	cnr_error_destroy(err);
	fuzz_unpoke_all();
	return 0;
}
