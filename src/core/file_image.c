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

// Append n bytes at offset off to the chunk list, extending the last chunk
// when contiguous.
static bool append_bytes(struct chunk_vector *chunks, size_t *cap_last, uint64_t off,
			 const uint8_t *p, size_t n)
{
	struct cnr_image_chunk *last = chunks->size ? &chunks->data[chunks->size - 1] : NULL;
	if (!last || last->offset + last->size != off) {
		last = chunk_vector_append(chunks);
		if (!last)
			return false;
		*last = (struct cnr_image_chunk){ .offset = off };
		*cap_last = 0;
	}
	if (last->size + n > *cap_last) {
		size_t ncap = *cap_last ? *cap_last * 2 : 64 * 1024;
		while (ncap < last->size + n)
			ncap *= 2;
		uint8_t *d = realloc(last->data, ncap);
		if (!d)
			return false;
		last->data = d;
		*cap_last = ncap;
	}
	memcpy(last->data + last->size, p, n);
	last->size += n;
	return true;
}

struct cnr_error *cnr_file_image_inflate(const uint8_t *gz, size_t len, struct cnr_file_image *ret)
{
	struct chunk_vector chunks = { 0 };
	size_t cap_last = 0;
	uint64_t total = 0;
	uint8_t *out = malloc(INFLATE_OUT);
	struct cnr_error *err = NULL;
	bool truncated = false;
	z_stream zs = { 0 };

	if (!out)
		return &cnr_enomem;
	// 16+MAX_WBITS: gzip wrapper only.
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(out);
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
		size_t produced = INFLATE_OUT - zs.avail_out;
		// Keep only non-zero pages; offsets are file offsets.
		for (size_t i = 0; i < produced; i += SPARSE_PAGE) {
			size_t n = produced - i < SPARSE_PAGE ? produced - i : SPARSE_PAGE;
			if (!page_is_zero(out + i, n) &&
			    !append_bytes(&chunks, &cap_last, total + i, out + i, n)) {
				err = &cnr_enomem;
				goto out;
			}
		}
		total += produced;
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
			if (total == 0) {
				err = cnr_error_create(CNR_ERROR_FORMAT, "bad gzip data at compressed offset %zu: %s",
						       (size_t)(zs.next_in - gz), zs.msg ? zs.msg : "inflate failed");
				goto out;
			}
			truncated = true; // keep what inflated cleanly
			break;
		}
	}
	// Callers other than cnr_file_image_open() hand in uninitialized
	// memory: map, last_chunk and resident_bytes must not be left stale.
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < chunks.size; i++)
		ret->resident_bytes += chunks.data[i].size;
	chunk_vector_shrink(&chunks);
	ret->size = total;
	ret->chunks = chunks.data;
	ret->nchunks = chunks.size;
	ret->compressed = true;
	ret->stream_truncated = truncated;
	chunks.data = NULL;
out:
	inflateEnd(&zs);
	free(out);
	if (err) {
		for (size_t i = 0; i < chunks.size; i++)
			free(chunks.data[i].data);
		chunk_vector_deinit(&chunks);
	}
	return err;
}

struct cnr_error *cnr_file_image_open(const char *path, struct cnr_file_image *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
		return cnr_error_create(CNR_ERROR_FORMAT, "'%s' is not a regular file", path);
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
	if (st.st_size >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
		struct cnr_error *err = cnr_file_image_inflate(b, (size_t)st.st_size, ret);
		munmap(map, (size_t)st.st_size);
		return cnr_error_wrap(err, "cannot decompress '%s'", path);
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
	size_t c = img->last_chunk;
	if (c < img->nchunks && img->chunks[c].offset <= off &&
	    off - img->chunks[c].offset < img->chunks[c].size)
		return c;
	size_t lo = CNR_PARTITION_POINT(img->nchunks, mid, img->chunks[mid].offset <= off);
	if (lo == 0)
		return SIZE_MAX;
	img->last_chunk = lo - 1;
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
