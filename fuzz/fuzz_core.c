// libFuzzer target: the ELF core loader (headers, program headers, every
// note kind) and the memory reader built over what it found.  The input
// is a whole core file, held in memory as a one-chunk sparse image.
#include <stdlib.h>
#include <string.h>

#include "core/elf_core.h"
#include "core/memory.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnr_file_image img = { .size = size };
	if (size) {
		img.chunks = malloc(sizeof(*img.chunks));
		uint8_t *copy = malloc(size);
		if (!img.chunks || !copy)
			abort();
		memcpy(copy, data, size);
		img.chunks[0] = (struct cnr_image_chunk){ .offset = 0, .size = size, .data = copy };
		img.nchunks = 1;
		img.resident_bytes = size;
	}
	struct cnr_core *core;
	struct cnr_error *err = cnr_core_from_image(&img, "fuzz-core", &core);
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	uint64_t v;
	cnr_core_auxv(core, 9 /* AT_ENTRY */, &v);
	struct cnr_memory mem;
	err = cnr_memory_init(&mem, core, NULL, 0);
	if (!err) {
		// Every segment's first, middle and last words, and one across
		// each segment's end.
		for (size_t i = 0; i < core->nsegments && i < 256; i++) {
			const struct cnr_core_segment *s = &core->segments[i];
			uint64_t at[] = { s->vaddr, s->vaddr + s->memsz / 2, s->vaddr + s->memsz - 8,
					  s->vaddr + s->memsz - 4 };
			for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
				uint8_t buf[8];
				cnr_error_destroy(cnr_memory_read(&mem, at[k], buf, sizeof(buf)));
				cnr_memory_ptr(&mem, at[k], sizeof(buf));
			}
		}
		cnr_memory_deinit(&mem);
	} else {
		cnr_error_destroy(err);
	}
	cnr_core_destroy(core);
	return 0;
}
