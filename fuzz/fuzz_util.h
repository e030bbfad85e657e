// Shared pieces of the libFuzzer targets (fuzz/fuzz_*.c): a silent
// context, the committed fixture each structure-aware target loads, and
// word patches to target memory that are undone after every input.
#ifndef CNR_FUZZ_FUZZ_UTIL_H
#define CNR_FUZZ_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "cnr_internal.h"

struct cnr_program;

// A context that logs nothing (warnings are still counted).
struct cnr_ctx *fuzz_quiet_ctx(void);

// Path of a file of the committed fixture the targets load
// (cores/fixtures/go1.22-shapes, or $CORONER_FUZZ_FIXTURE): "core.gz", "exe".
const char *fuzz_fixture_file(const char *name);

// Open the fixture once (aborts if it cannot: the target is useless then).
struct cnr_program *fuzz_fixture_program(void);

// Overwrite n bytes of the target at addr, in the core's or the
// executable's in-memory bytes, remembering the old ones; false (and
// nothing written) if addr is not backed by bytes coroner holds.
bool fuzz_poke(struct cnr_program *prog, uint64_t addr, const void *buf, size_t n);
// Undo every fuzz_poke since the last call, newest first.
void fuzz_unpoke_all(void);

// Little-endian reads from the fuzzer's input, consumed from the front;
// zero once it runs out.
struct fuzz_input {
	const uint8_t *p;
	size_t left;
};
uint64_t fuzz_take(struct fuzz_input *in, size_t nbytes);

#endif
