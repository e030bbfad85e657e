// Compressed cores: systemd-coredump stores them as .zst (older systems
// .lz4 or .xz), people gzip them.  Each format is known by its magic bytes
// and decoded, with its Debian library, into a sparse image (all-zero
// pages dropped).  A stream cut short, as by a full disk or a size limit,
// yields the file's first part, marked truncated: the core loader then
// treats it as a truncated core.
#include "core/file_image.h"

#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

enum { OUT_CHUNK = 1 << 20 };

// Magic numbers: RFC 1952 (gzip), RFC 8878 3.1.1 (zstd frame), lz4 frame
// format 1.6 (LZ4F_MAGICNUMBER), xz file format 1.0 2.1.1.1.
static const struct {
	const char *name;
	uint8_t magic[6];
	size_t len;
} formats[] = {
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4 },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
};

const char *cnr_compression_of(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < CNR_ARRAY_SIZE(formats); i++)
		if (len >= formats[i].len && memcmp(data, formats[i].magic, formats[i].len) == 0)
			return formats[i].name;
	return NULL;
}

// What a decoder reports after each step.
enum step { STEP_MORE, STEP_END, STEP_ERROR };

// Shared driver state: the builder, the output buffer, and the error a
// decoder met (its library's message).
struct decode {
	struct cnr_sparse_builder *sb;
	uint8_t *out;
	const char *name;
	const char *why;      // library message of a decoding error
	size_t error_offset;  // compressed offset of it
};

// The end of a decode: a clean end, or a stream that stopped early (cut,
// or damaged after some output) is an image; damage before any output
// is not this format after all.
static struct cnr_error *finish(struct decode *d, bool truncated, struct cnr_file_image *ret)
{
	if (truncated && d->why && cnr_sparse_builder_size(d->sb) == 0)
		return cnr_error_create(CNR_ERROR_FORMAT, "bad %s data at compressed offset %zu: %s", d->name,
					d->error_offset, d->why);
	if (truncated && cnr_sparse_builder_size(d->sb) == 0)
		return cnr_error_create(CNR_ERROR_FORMAT, "the %s stream ends before its first block is complete: "
					"nothing could be decompressed", d->name);
	cnr_sparse_builder_finish(d->sb, d->name, truncated, ret);
	d->sb = NULL;
	return NULL;
}

static struct cnr_error *decode_zstd(struct decode *d, const uint8_t *data, size_t len, struct cnr_file_image *ret)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	if (!zs)
		return &cnr_enomem;
	ZSTD_inBuffer in = { data, len, 0 };
	size_t hint = 1; // not at a frame boundary yet
	struct cnr_error *err = NULL;
	bool truncated = false;
	for (;;) {
		ZSTD_outBuffer out = { d->out, OUT_CHUNK, 0 };
		size_t in_before = in.pos;
		size_t r = ZSTD_decompressStream(zs, &out, &in);
		if (ZSTD_isError(r)) {
			d->why = ZSTD_getErrorName(r);
			d->error_offset = in.pos;
			truncated = true;
			break;
		}
		// After a frame's end, a call with nothing left to do asks for the
		// next frame's header: only a call that did something says where
		// the stream stands.
		if (in.pos != in_before || out.pos)
			hint = r;
		if ((err = cnr_sparse_builder_add(d->sb, d->out, out.pos)))
			goto out;
		// hint 0: a frame ended; concatenated frames (pzstd, zstd -T)
		// go on.  Input used up with output buffer not full: done, cut
		// short unless at a frame boundary.
		if (in.pos == in.size && out.pos < out.size) {
			truncated = hint != 0;
			break;
		}
	}
	err = finish(d, truncated, ret);
out:
	ZSTD_freeDStream(zs);
	return err;
}

static struct cnr_error *decode_lz4(struct decode *d, const uint8_t *data, size_t len, struct cnr_file_image *ret)
{
	LZ4F_dctx *dctx;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return &cnr_enomem;
	size_t pos = 0, hint = 1;
	struct cnr_error *err = NULL;
	bool truncated = false;
	for (;;) {
		size_t out_size = OUT_CHUNK, in_size = len - pos;
		size_t r = LZ4F_decompress(dctx, d->out, &out_size, data + pos, &in_size, NULL);
		if (LZ4F_isError(r)) {
			d->why = LZ4F_getErrorName(r);
			d->error_offset = pos;
			truncated = true;
			break;
		}
		if (in_size || out_size) // as for zstd: an idle call says nothing
			hint = r;
		pos += in_size;
		if ((err = cnr_sparse_builder_add(d->sb, d->out, out_size)))
			goto out;
		// hint 0: a frame ended (the context is ready for the next).
		if (pos == len && out_size < OUT_CHUNK) {
			truncated = hint != 0;
			break;
		}
	}
	err = finish(d, truncated, ret);
out:
	LZ4F_freeDecompressionContext(dctx);
	return err;
}

static struct cnr_error *decode_xz(struct decode *d, const uint8_t *data, size_t len, struct cnr_file_image *ret)
{
	lzma_stream xs = LZMA_STREAM_INIT;
	// LZMA_CONCATENATED: `xz` of several files, or `cat a.xz b.xz`.
	if (lzma_stream_decoder(&xs, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return &cnr_enomem;
	xs.next_in = data;
	xs.avail_in = len;
	struct cnr_error *err = NULL;
	bool truncated = false;
	for (;;) {
		xs.next_out = d->out;
		xs.avail_out = OUT_CHUNK;
		lzma_ret r = lzma_code(&xs, xs.avail_in ? LZMA_RUN : LZMA_FINISH);
		if ((err = cnr_sparse_builder_add(d->sb, d->out, OUT_CHUNK - xs.avail_out)))
			goto out;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		// LZMA_BUF_ERROR: no progress possible, the input ended early.
		if (r != LZMA_BUF_ERROR) {
			d->why = r == LZMA_DATA_ERROR ? "compressed data is corrupt"
				 : r == LZMA_FORMAT_ERROR ? "not in the .xz format"
				 : r == LZMA_MEM_ERROR    ? "cannot allocate memory"
				 : "xz decoding failed";
			d->error_offset = len - xs.avail_in;
		}
		truncated = true;
		break;
	}
	err = finish(d, truncated, ret);
out:
	lzma_end(&xs);
	return err;
}

struct cnr_error *cnr_file_image_decompress(const uint8_t *data, size_t len, struct cnr_file_image *ret)
{
	const char *name = cnr_compression_of(data, len);
	if (!name)
		return cnr_error_create(CNR_ERROR_FORMAT, "not a gzip, zstd, lz4 or xz stream");
	if (strcmp(name, "gzip") == 0)
		return cnr_file_image_inflate(data, len, ret);
	struct decode d = { .name = name, .out = malloc(OUT_CHUNK) };
	struct cnr_error *err = d.out ? cnr_sparse_builder_create(&d.sb) : &cnr_enomem;
	if (!err) {
		if (strcmp(name, "zstd") == 0)
			err = decode_zstd(&d, data, len, ret);
		else if (strcmp(name, "lz4") == 0)
			err = decode_lz4(&d, data, len, ret);
		else
			err = decode_xz(&d, data, len, ret);
	}
	cnr_sparse_builder_destroy(d.sb);
	free(d.out);
	return err;
}
