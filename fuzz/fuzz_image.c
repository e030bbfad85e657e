// libFuzzer target: compressed core images (gzip today; every format
// cnr_file_image_open detects by its magic bytes), then the ELF core
// loader on what they inflate to.  The input is written to a memory file
// and opened by path, as a user's core is.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/elf_core.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz-image", 0);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct cnr_core *core;
	struct cnr_error *err = cnr_core_open(path, &core);
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	// Read the whole image back through the chunk lookup.
	uint8_t buf[4096];
	// (The first 64 MiB: a small input may inflate to gigabytes of zeros.)
	uint64_t end = core->image.size < (64u << 20) ? core->image.size : (64u << 20);
	for (uint64_t off = 0; off < end; off += sizeof(buf)) {
		size_t n = end - off < sizeof(buf) ? (size_t)(end - off) : sizeof(buf);
		cnr_file_image_copy(&core->image, off, buf, n);
		cnr_file_image_ptr(&core->image, off, n);
	}
	cnr_core_destroy(core);
	return 0;
}
