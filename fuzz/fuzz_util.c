// Shared pieces of the libFuzzer targets: see fuzz_util.h.
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "goruntime/program.h"

static void discard(enum cnr_log_level level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

struct cnr_ctx *fuzz_quiet_ctx(void)
{
	struct cnr_ctx *ctx;
	struct cnr_error *err = cnr_ctx_create(&ctx);
	if (err) {
		fprintf(stderr, "fuzz: %s\n", cnr_error_message(err));
		abort();
	}
	cnr_ctx_set_log_fn(ctx, discard, NULL);
	return ctx;
}

const char *fuzz_fixture_file(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("CORONER_FUZZ_FIXTURE");
	if (dir)
		snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	else
		snprintf(buf, sizeof(buf), "%s/cores/fixtures/go1.22-shapes/%s", CNR_FUZZ_SOURCE_ROOT, name);
	return buf;
}

struct cnr_program *fuzz_fixture_program(void)
{
	static struct cnr_program *prog;
	if (prog)
		return prog;
	char core[4096];
	snprintf(core, sizeof(core), "%s", fuzz_fixture_file("core.gz"));
	struct cnr_error *err = cnr_program_open(fuzz_quiet_ctx(), core, fuzz_fixture_file("exe"), 0, &prog);
	if (!err)
		err = cnr_program_load_runtime(prog);
	if (err) {
		fprintf(stderr, "fuzz: cannot open the fixture %s: %s\n", core, cnr_error_message(err));
		abort();
	}
	// The executable's bytes are a private read-only mapping (libelf's
	// ELF_C_READ_MMAP): make it copy-on-write so that patches to text and
	// rodata (the pclntab) stay in this process.
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)prog->exe->raw & ~(uintptr_t)(page - 1);
	uintptr_t hi = ((uintptr_t)prog->exe->raw + prog->exe->size + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
	if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) != 0) {
		perror("fuzz: mprotect");
		abort();
	}
	return prog;
}

// One undo record: the bytes at dst before a poke.
struct poke {
	uint8_t *dst;
	uint8_t old[8];
	size_t n;
};

static struct poke *pokes;
static size_t npokes, cap_pokes;

static bool poke_one(struct cnr_program *prog, uint64_t addr, const uint8_t *src, size_t n)
{
	const struct cnr_mem_range *r = cnr_memory_find(&prog->mem, addr);
	if (!r || addr + n > r->end || addr + n < addr)
		return false;
	uint8_t *dst;
	uint64_t off = r->offset + (addr - r->start);
	if (r->source == CNR_MEM_CORE)
		dst = (uint8_t *)(uintptr_t)cnr_file_image_ptr(&prog->core->image, off, n); // the fuzzer writes to the mapped copy on purpose
	else if (r->source == CNR_MEM_EXE)
		dst = off + n <= prog->exe->size ? (uint8_t *)(uintptr_t)prog->exe->raw + off : NULL;
	else
		dst = NULL;
	if (!dst) // an all-zero page a sparse image does not hold
		return false;
	if (npokes == cap_pokes) {
		cap_pokes = cap_pokes ? 2 * cap_pokes : 64;
		pokes = realloc(pokes, cap_pokes * sizeof(*pokes));
		if (!pokes)
			abort();
	}
	struct poke *p = &pokes[npokes++];
	p->dst = dst;
	p->n = n;
	memcpy(p->old, dst, n);
	memcpy(dst, src, n);
	return true;
}

bool fuzz_poke(struct cnr_program *prog, uint64_t addr, const void *buf, size_t n)
{
	// In pieces of at most 8 bytes, none crossing a range boundary.
	const uint8_t *src = buf;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < 8 ? n - done : 8;
		if (!poke_one(prog, addr + done, src + done, k))
			return false;
		done += k;
	}
	return true;
}

void fuzz_unpoke_all(void)
{
	while (npokes) {
		struct poke *p = &pokes[--npokes];
		memcpy(p->dst, p->old, p->n);
	}
}

uint64_t fuzz_take(struct fuzz_input *in, size_t nbytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < nbytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}
