// The bytes of a core file, wherever they live: mapped read-only from disk,
// or decompressed (gzip, zstd, lz4, xz: src/core/decompress.c) into a
// sparse in-memory image that keeps only the pages that are not all zeros
// (gcore writes gigabytes of zeros for Go's address-space reservations;
// materializing them would cost that much RAM).
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
	bool compressed;         // was compressed
	const char *compression; // "gzip", "zstd", "lz4", "xz" (static), or NULL
	bool stream_truncated;   // the compressed stream ended early
	uint64_t resident_bytes; // bytes held in chunks
};

// "a directory", "a FIFO", ... for the file type bits of st_mode, to say
// why a path that is not a regular file cannot be read.
const char *cnr_file_type_text(unsigned mode);

// Open path: mmap it, or decompress it if it starts with the magic bytes
// of a compression format (the name does not matter).
struct cnr_error *cnr_file_image_open(const char *path, struct cnr_file_image *ret);
// Build a sparse image from a gzip stream already in memory (tests, fuzzing).
struct cnr_error *cnr_file_image_inflate(const uint8_t *gz, size_t len, struct cnr_file_image *ret);
// The compression format data starts with ("gzip", "zstd", "lz4", "xz"),
// by its magic bytes, or NULL for none of them.
const char *cnr_compression_of(const uint8_t *data, size_t len);
// Build a sparse image from a stream in any of those formats.  A stream
// that ends early (a cut file) is an image of what it held, with
// stream_truncated set; garbage from the start is CNR_ERROR_FORMAT.
struct cnr_error *cnr_file_image_decompress(const uint8_t *data, size_t len, struct cnr_file_image *ret);

// Decompressors fill a sparse image through a builder: bytes in file
// order, all-zero pages dropped; finish hands the chunks to ret.
struct cnr_sparse_builder;
struct cnr_error *cnr_sparse_builder_create(struct cnr_sparse_builder **ret);
struct cnr_error *cnr_sparse_builder_add(struct cnr_sparse_builder *b, const uint8_t *p, size_t n);
uint64_t cnr_sparse_builder_size(const struct cnr_sparse_builder *b);
// Frees b.  compression: a static string.
void cnr_sparse_builder_finish(struct cnr_sparse_builder *b, const char *compression, bool truncated,
			       struct cnr_file_image *ret);
void cnr_sparse_builder_destroy(struct cnr_sparse_builder *b);
void cnr_file_image_deinit(struct cnr_file_image *img);

// Copy [off, off+n) into buf.  The caller has checked off+n <= size.
void cnr_file_image_copy(struct cnr_file_image *img, uint64_t off, void *buf, size_t n);

// A pointer to [off, off+n) if those bytes are contiguous in memory
// (always for mapped images), else NULL; valid until deinit.
const uint8_t *cnr_file_image_ptr(struct cnr_file_image *img, uint64_t off, size_t n);
// Tell the kernel bytes [off, off + n) of a mapped image will be read soon
// (madvise MADV_WILLNEED: read-ahead, in file order, while the caller
// works); nothing for in-memory images or bytes past the end.
void cnr_file_image_willneed(struct cnr_file_image *img, uint64_t off, uint64_t n);

#endif
