#include "core/file_image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
// next_in as a const pointer: zlib never writes to its input.
#define ZLIB_CONST
#include <zlib.h>

#include "util/search.h"
#include "util/vector.h"

// Granularity at which all-zero runs are dropped from a sparse image.
enum { SPARSE_PAGE = 4096, INFLATE_OUT = 1 << 20 };

DEFINE_VECTOR(chunk_vector, struct cnr_image_chunk)

static bool page_is_zero(const uint8_t *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t nw = n / 8;
	uint64_t acc = 0;
	for (size_t i = 0; i < nw; i++) {
		acc |= w[i];
		if ((i & 63) == 63 && acc)
			return false;
	}
	for (size_t i = nw * 8; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

struct cnr_sparse_builder {
	struct chunk_vector chunks;
	size_t cap_last; // bytes allocated for the last chunk
	uint64_t total;  // bytes of the file so far
};

struct cnr_error *cnr_sparse_builder_create(struct cnr_sparse_builder **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? NULL : &cnr_enomem;
}

// Append n bytes at offset off to the chunk list, extending the last chunk
// when contiguous.
static bool append_bytes(struct cnr_sparse_builder *b, uint64_t off, const uint8_t *p, size_t n)
{
	struct chunk_vector *chunks = &b->chunks;
	struct cnr_image_chunk *last = chunks->size ? &chunks->data[chunks->size - 1] : NULL;
	if (!last || last->offset + last->size != off) {
		last = chunk_vector_append(chunks);
		if (!last)
			return false;
		*last = (struct cnr_image_chunk){ .offset = off };
		b->cap_last = 0;
	}
	if (last->size + n > b->cap_last) {
		size_t ncap = b->cap_last ? b->cap_last * 2 : 64 * 1024;
		while (ncap < last->size + n)
			ncap *= 2;
		uint8_t *d = realloc(last->data, ncap);
		if (!d)
			return false;
		last->data = d;
		b->cap_last = ncap;
	}
	memcpy(last->data + last->size, p, n);
	last->size += n;
	return true;
}

struct cnr_error *cnr_sparse_builder_add(struct cnr_sparse_builder *b, const uint8_t *p, size_t n)
{
	// Keep only non-zero pages; offsets are file offsets.
	for (size_t i = 0; i < n; i += SPARSE_PAGE) {
		size_t k = n - i < SPARSE_PAGE ? n - i : SPARSE_PAGE;
		if (!page_is_zero(p + i, k) && !append_bytes(b, b->total + i, p + i, k))
			return &cnr_enomem;
	}
	b->total += n;
	return NULL;
}

uint64_t cnr_sparse_builder_size(const struct cnr_sparse_builder *b)
{
	return b->total;
}

void cnr_sparse_builder_finish(struct cnr_sparse_builder *b, const char *compression, bool truncated,
			       struct cnr_file_image *ret)
{
	// Callers other than cnr_file_image_open() hand in uninitialized
	// memory: map, last_chunk and resident_bytes must not be left stale.
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < b->chunks.size; i++)
		ret->resident_bytes += b->chunks.data[i].size;
	chunk_vector_shrink(&b->chunks);
	ret->size = b->total;
	ret->chunks = b->chunks.data;
	ret->nchunks = b->chunks.size;
	ret->compressed = true;
	ret->compression = compression;
	ret->stream_truncated = truncated;
	b->chunks = (struct chunk_vector){ 0 };
	cnr_sparse_builder_destroy(b);
}

void cnr_sparse_builder_destroy(struct cnr_sparse_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->chunks.size; i++)
		free(b->chunks.data[i].data);
	chunk_vector_deinit(&b->chunks);
	free(b);
}

struct cnr_error *cnr_file_image_inflate(const uint8_t *gz, size_t len, struct cnr_file_image *ret)
{
	struct cnr_sparse_builder *sb;
	uint8_t *out = malloc(INFLATE_OUT);
	struct cnr_error *err = NULL;
	bool truncated = false;
	z_stream zs = { 0 };

	if (!out)
		return &cnr_enomem;
	if ((err = cnr_sparse_builder_create(&sb))) {
		free(out);
		return err;
	}
	// 16+MAX_WBITS: gzip wrapper only.
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		cnr_sparse_builder_destroy(sb);
		return &cnr_enomem;
	}
	zs.next_in = gz;
	// zlib's avail_in is 32-bit: feed huge inputs in slices.
	size_t in_left = len;
	for (;;) {
		if (zs.avail_in == 0 && in_left) {
			uInt n = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
			zs.avail_in = n;
			in_left -= n;
		}
		zs.next_out = out;
		zs.avail_out = INFLATE_OUT;
		int r = inflate(&zs, Z_NO_FLUSH);
		if ((err = cnr_sparse_builder_add(sb, out, INFLATE_OUT - zs.avail_out)))
			goto out;
		if (r == Z_STREAM_END) {
			// Concatenated gzip members (pigz, `cat a.gz b.gz`) continue;
			// anything else after a complete member is ignored, as gzip(1)
			// does with "trailing garbage".
			if (zs.avail_in == 0 && in_left == 0)
				break;
			if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b)
				break;
			if (inflateReset(&zs) != Z_OK) {
				err = cnr_error_corrupt("cannot restart gzip stream at compressed offset %zu",
							(size_t)(zs.next_in - gz));
				goto out;
			}
			continue;
		}
		if (r == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
			truncated = true; // input ended mid-stream
			break;
		}
		if (r != Z_OK) {
			if (cnr_sparse_builder_size(sb) == 0) {
				err = cnr_error_create(CNR_ERROR_FORMAT, "bad gzip data at compressed offset %zu: %s",
						       (size_t)(zs.next_in - gz), zs.msg ? zs.msg : "inflate failed");
				goto out;
			}
			truncated = true; // keep what inflated cleanly
			break;
		}
	}
	cnr_sparse_builder_finish(sb, "gzip", truncated, ret);
	sb = NULL;
out:
	inflateEnd(&zs);
	free(out);
	cnr_sparse_builder_destroy(sb);
	return err;
}

const char *cnr_file_type_text(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "not a file";
	}
}

struct cnr_error *cnr_file_image_open(const char *path, struct cnr_file_image *ret)
{
	// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	// writer forever; the file type is checked before any read.
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return cnr_error_os(errno, path, "cannot open");
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return cnr_error_os(e, path, "cannot stat");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cnr_error_create(CNR_ERROR_FORMAT, "core '%s' is %s, not a regular file", path,
					cnr_file_type_text(st.st_mode));
	}
	memset(ret, 0, sizeof(*ret));
	if (st.st_size == 0) {
		close(fd);
		return NULL; // empty image; the ELF parser reports it
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return cnr_error_os(e, path, "cannot map");
	const uint8_t *b = map;
	const char *compression = cnr_compression_of(b, (size_t)st.st_size);
	if (compression) {
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
		struct cnr_error *err = cnr_file_image_decompress(b, (size_t)st.st_size, ret);
		munmap(map, (size_t)st.st_size);
		return cnr_error_wrap(err, "cannot decompress %s core '%s'", compression, path);
	}
	ret->map = b;
	ret->size = (uint64_t)st.st_size;
	return NULL;
}

void cnr_file_image_deinit(struct cnr_file_image *img)
{
	if (img->map)
		munmap((void *)(uintptr_t)img->map, img->size); // ours to unmap, const to everyone else
	for (size_t i = 0; i < img->nchunks; i++)
		free(img->chunks[i].data);
	free(img->chunks);
	memset(img, 0, sizeof(*img));
}

// Index of the last chunk starting at or before off, or SIZE_MAX.
static size_t find_chunk(struct cnr_file_image *img, uint64_t off)
{
	// Shared by the threads of a heap scan: relaxed atomics (any valid
	// index is a fine guess).
	size_t c = __atomic_load_n(&img->last_chunk, __ATOMIC_RELAXED);
	if (c < img->nchunks && img->chunks[c].offset <= off &&
	    off - img->chunks[c].offset < img->chunks[c].size)
		return c;
	size_t lo = CNR_PARTITION_POINT(img->nchunks, mid, img->chunks[mid].offset <= off);
	if (lo == 0)
		return SIZE_MAX;
	__atomic_store_n(&img->last_chunk, lo - 1, __ATOMIC_RELAXED);
	return lo - 1;
}

void cnr_file_image_copy(struct cnr_file_image *img, uint64_t off, void *buf, size_t n)
{
	if (img->map) {
		memcpy(buf, img->map + off, n);
		return;
	}
	uint8_t *dst = buf;
	while (n) {
		size_t c = find_chunk(img, off);
		size_t take;
		if (c != SIZE_MAX && off - img->chunks[c].offset < img->chunks[c].size) {
			const struct cnr_image_chunk *ch = &img->chunks[c];
			uint64_t in = off - ch->offset;
			take = ch->size - in < n ? ch->size - in : n;
			memcpy(dst, ch->data + in, take);
		} else {
			// A hole: zeros that the file really holds, up to the next chunk.
			uint64_t next = c + 1 < img->nchunks ? img->chunks[c + 1].offset
				       : (c == SIZE_MAX && img->nchunks ? img->chunks[0].offset : UINT64_MAX);
			take = next - off < n ? next - off : n;
			memset(dst, 0, take);
		}
		dst += take;
		off += take;
		n -= take;
	}
}

void cnr_file_image_willneed(struct cnr_file_image *img, uint64_t off, uint64_t n)
{
	enum { PAGE = 4096 };
	if (!img->map || off >= img->size)
		return;
	if (n > img->size - off)
		n = img->size - off;
	uint64_t start = off / PAGE * PAGE;
	madvise((void *)(uintptr_t)(img->map + start), (size_t)(off + n - start), MADV_WILLNEED);
}

const uint8_t *cnr_file_image_ptr(struct cnr_file_image *img, uint64_t off, size_t n)
{
	if (img->map)
		return img->map + off;
	size_t c = find_chunk(img, off);
	if (c == SIZE_MAX)
		return NULL;
	const struct cnr_image_chunk *ch = &img->chunks[c];
	uint64_t in = off - ch->offset;
	if (in >= ch->size || ch->size - in < n)
		return NULL;
	return ch->data + in;
}
