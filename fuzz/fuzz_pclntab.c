// libFuzzer target: the pclntab decoder (pc -> function, pcvalue tables,
// pcdata, funcdata, the inline tree).  It loads the committed fixture
// once; each input is a list of patches to the real tables (the
// moduledata slices funcnametab, cutab, filetab, pctab, pclntable, ftab,
// the pcHeader and moduledata itself), then the pcs to look up.
//
// Input: npatches (1 byte), then per patch table (1), offset (4),
// mode (1: byte / u32 / u64 / flip bit), value (8); the rest is pcs as
// u32 offsets from the start of the text.
#include <stdlib.h>

#include "fuzz_util.h"
#include "goruntime/pclntab.h"
#include "goruntime/program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NTABLES = 8, MAX_PATCHES = 32, MAX_PCS = 64 };

struct region {
	uint64_t addr, len;
};

static struct region regions[NTABLES];
static uint64_t text, etext;

static void init(struct cnr_program *prog)
{
	const struct cnr_rt_layout *l = &prog->layout;
	uint64_t md = cnr_dwarf_global(prog->dwarf, "runtime.firstmoduledata")->addr + prog->bias;
	const uint64_t slices[] = { l->md_funcnametab, l->md_cutab, l->md_filetab, l->md_pctab, l->md_pclntable,
				    l->md_ftab };
	const uint64_t elem[] = { 1, 4, 1, 1, 1, 8 };
	for (size_t i = 0; i < 6; i++) {
		uint64_t hdr[2];
		if (cnr_memory_read(&prog->mem, md + slices[i], hdr, sizeof(hdr)))
			abort();
		regions[i] = (struct region){ hdr[0], hdr[1] * elem[i] };
	}
	uint64_t pch;
	if (cnr_memory_read_u64(&prog->mem, md + l->md_pcheader, &pch) ||
	    cnr_memory_read_u64(&prog->mem, md + l->md_text, &text) ||
	    cnr_memory_read_u64(&prog->mem, md + l->md_etext, &etext))
		abort();
	regions[6] = (struct region){ pch, 64 };
	regions[7] = (struct region){ md, l->md_next + 8 };
}

static void apply_patch(struct cnr_program *prog, struct fuzz_input *in)
{
	const struct region *r = &regions[fuzz_take(in, 1) % NTABLES];
	uint64_t off = r->len ? fuzz_take(in, 4) % r->len : 0;
	unsigned mode = (unsigned)fuzz_take(in, 1) % 4;
	uint64_t value = fuzz_take(in, 8);
	uint8_t old[8] = { 0 };
	static const size_t width[] = { 1, 4, 8, 1 };
	if (cnr_memory_read(&prog->mem, r->addr + off, old, width[mode]))
		return;
	if (mode == 3) {
		old[0] ^= (uint8_t)(1u << (value % 8));
		fuzz_poke(prog, r->addr + off, old, 1);
	} else {
		fuzz_poke(prog, r->addr + off, &value, width[mode]);
	}
}

static void look_up(struct cnr_pclntab *tab, uint64_t pc)
{
	struct cnr_func f;
	if (!cnr_pclntab_find(tab, pc, &f))
		return;
	int32_t v;
	uint64_t addr;
	cnr_error_destroy(cnr_pclntab_pcvalue(tab, &f, f.pcsp, pc, &v));
	cnr_error_destroy(cnr_pclntab_pcvalue(tab, &f, f.pcfile, pc, &v));
	cnr_error_destroy(cnr_pclntab_pcvalue(tab, &f, f.pcln, pc, &v));
	for (uint32_t i = 0; i < 3; i++)
		cnr_error_destroy(cnr_pclntab_pcdata(tab, &f, i, pc, &v));
	for (uint32_t i = 0; i < 4; i++)
		cnr_error_destroy(cnr_pclntab_funcdata(tab, &f, i, &addr));
	struct cnr_source_frame frames[16];
	size_t n;
	cnr_error_destroy(cnr_pclntab_source_frames(tab, &f, pc, frames, 16, &n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnr_program *prog = fuzz_fixture_program();
	if (!regions[0].addr)
		init(prog);
	struct fuzz_input in = { data, size };
	size_t npatches = fuzz_take(&in, 1) % (MAX_PATCHES + 1);
	for (size_t i = 0; i < npatches; i++)
		apply_patch(prog, &in);
	struct cnr_pclntab *tab;
	struct cnr_error *err = cnr_pclntab_load(prog, &prog->layout, &tab);
	fuzz_unpoke_all();
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	// The first and last functions, then the input's pcs.
	look_up(tab, text);
	look_up(tab, etext - 1);
	for (size_t i = 0; i < MAX_PCS && in.left; i++)
		look_up(tab, text + fuzz_take(&in, 4) % (etext - text + 1));
	cnr_pclntab_destroy(tab);
	return 0;
}
