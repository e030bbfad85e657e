// The bytes of a core file, wherever they live: mapped read-only from disk,
// or inflated from gzip into a sparse in-memory image that keeps only the
// pages that are not all zeros (gcore writes gigabytes of zeros for Go's
// address-space reservations; materializing them would cost that much RAM).
#ifndef CNR_CORE_FILE_IMAGE_H
#define CNR_CORE_FILE_IMAGE_H

#include "cnr_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// A run of non-zero file bytes held in memory (sparse images only).
struct cnr_image_chunk {
	uint64_t offset;
	uint64_t size;
	uint8_t *data;
};

struct cnr_file_image {
	uint64_t size;           // bytes of the (uncompressed) file
	const uint8_t *map;      // whole file, for mapped images
	struct cnr_image_chunk *chunks; // sorted by offset, for sparse images
	size_t nchunks;
	size_t last_chunk;       // last-hit cache for lookups
	bool compressed;         // was gzip
	bool stream_truncated;   // the gzip stream ended early
	uint64_t resident_bytes; // bytes held in chunks
};

// "a directory", "a FIFO", ... for the file type bits of st_mode, to say
// why a path that is not a regular file cannot be read.
const char *cnr_file_type_text(unsigned mode);

// Open path: mmap it, or inflate it if it starts with the gzip magic.
struct cnr_error *cnr_file_image_open(const char *path, struct cnr_file_image *ret);
// Build a sparse image from a gzip stream already in memory (tests, fuzzing).
struct cnr_error *cnr_file_image_inflate(const uint8_t *gz, size_t len, struct cnr_file_image *ret);
void cnr_file_image_deinit(struct cnr_file_image *img);

// Copy [off, off+n) into buf.  The caller has checked off+n <= size.
void cnr_file_image_copy(struct cnr_file_image *img, uint64_t off, void *buf, size_t n);

// A pointer to [off, off+n) if those bytes are contiguous in memory
// (always for mapped images), else NULL; valid until deinit.
const uint8_t *cnr_file_image_ptr(struct cnr_file_image *img, uint64_t off, size_t n);

#endif
