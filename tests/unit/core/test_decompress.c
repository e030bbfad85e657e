// zstd, lz4 and xz cores: known by their magic bytes, decompressed into a
// sparse image that reads like the plain bytes, with all-zero pages not
// held; a cut stream is the plain file's prefix, flagged truncated; junk
// is an error.  Streams are made with the formats' own libraries.
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/file_image.h"
#include "elfgen.h"
#include "test_util.h"

enum { PAGE = 4096, PLAIN_SIZE = 3 << 20 };

// Pattern bytes with page-sized and odd-sized runs of zeros, and a few
// isolated bytes in the zero runs.
static uint8_t *plain_bytes(void)
{
	uint8_t *p = calloc(1, PLAIN_SIZE);
	cr_assert_not_null(p);
	for (size_t i = 0; i < PLAIN_SIZE; i++) {
		size_t page = i / PAGE;
		if (page % 5 == 1 || page % 5 == 2 || (page % 7 == 3 && i % PAGE > 1000))
			continue;
		p[i] = elfgen_pattern(page, i);
	}
	p[PAGE + 123] = 0x5a;
	return p;
}

static size_t compress(const char *format, const uint8_t *in, size_t n, uint8_t **ret)
{
	size_t cap = n + n / 2 + (1 << 16), size = 0;
	uint8_t *out = malloc(cap);
	cr_assert_not_null(out);
	if (strcmp(format, "zstd") == 0) {
		size = ZSTD_compress(out, cap, in, n, 1);
		cr_assert(!ZSTD_isError(size));
	} else if (strcmp(format, "lz4") == 0) {
		LZ4F_preferences_t prefs = { .frameInfo = { .blockSizeID = LZ4F_max64KB } };
		size = LZ4F_compressFrame(out, cap, in, n, &prefs);
		cr_assert(!LZ4F_isError(size));
	} else {
		cr_assert_eq(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, in, n, out, &size, cap), LZMA_OK);
	}
	*ret = out;
	return size;
}

static const char *const formats[] = { "zstd", "lz4", "xz" };

static void assert_prefix(struct cnr_file_image *img, const uint8_t *want)
{
	uint8_t *got = malloc(img->size ? img->size : 1);
	cr_assert_not_null(got);
	cnr_file_image_copy(img, 0, got, img->size);
	cr_assert(memcmp(got, want, img->size) == 0, "decompressed bytes differ");
	free(got);
}

Test(decompress, each_format_reads_like_the_plain_bytes_and_drops_zero_pages)
{
	uint8_t *plain = plain_bytes();
	size_t nonzero_pages = 0;
	for (size_t pg = 0; pg < PLAIN_SIZE / PAGE; pg++) {
		bool z = true;
		for (size_t i = 0; i < PAGE && z; i++)
			z = !plain[pg * PAGE + i];
		nonzero_pages += !z;
	}
	for (size_t f = 0; f < CNR_ARRAY_SIZE(formats); f++) {
		uint8_t *c;
		size_t n = compress(formats[f], plain, PLAIN_SIZE, &c);
		cr_assert_str_eq(cnr_compression_of(c, n), formats[f]);
		struct cnr_file_image img;
		cnr_cr_assert_ok(cnr_file_image_decompress(c, n, &img));
		cr_assert_eq(img.size, PLAIN_SIZE, "%s: size", formats[f]);
		cr_assert(img.compressed && !img.stream_truncated, "%s", formats[f]);
		cr_assert_str_eq(img.compression, formats[f]);
		assert_prefix(&img, plain);
		cr_assert_leq(img.resident_bytes, nonzero_pages * PAGE, "%s: zero pages held in memory", formats[f]);
		cnr_file_image_deinit(&img);
		free(c);
	}
	free(plain);
}

Test(decompress, concatenated_streams_are_one_file)
{
	uint8_t *plain = plain_bytes();
	for (size_t f = 0; f < CNR_ARRAY_SIZE(formats); f++) {
		uint8_t *a, *b;
		size_t na = compress(formats[f], plain, PLAIN_SIZE / 2, &a);
		size_t nb = compress(formats[f], plain + PLAIN_SIZE / 2, PLAIN_SIZE / 2, &b);
		a = realloc(a, na + nb);
		cr_assert_not_null(a);
		memcpy(a + na, b, nb);
		struct cnr_file_image img;
		cnr_cr_assert_ok(cnr_file_image_decompress(a, na + nb, &img));
		cr_assert_eq(img.size, PLAIN_SIZE, "%s: size", formats[f]);
		cr_assert_not(img.stream_truncated);
		assert_prefix(&img, plain);
		cnr_file_image_deinit(&img);
		free(a);
		free(b);
	}
	free(plain);
}

Test(decompress, a_cut_stream_is_the_plain_prefix_flagged_truncated)
{
	uint8_t *plain = plain_bytes();
	for (size_t f = 0; f < CNR_ARRAY_SIZE(formats); f++) {
		uint8_t *c;
		size_t n = compress(formats[f], plain, PLAIN_SIZE, &c);
		const size_t cuts[] = { n / 2, n - 1 };
		for (size_t k = 0; k < CNR_ARRAY_SIZE(cuts); k++) {
			struct cnr_file_image img;
			cnr_cr_assert_ok(cnr_file_image_decompress(c, cuts[k], &img));
			cr_assert(img.stream_truncated, "%s cut at %zu of %zu not flagged", formats[f], cuts[k], n);
			cr_assert_leq(img.size, PLAIN_SIZE);
			if (k == 0)
				cr_assert(img.size > 0 && img.size < PLAIN_SIZE, "%s: %zu bytes from half", formats[f],
					  (size_t)img.size);
			assert_prefix(&img, plain);
			cnr_file_image_deinit(&img);
		}
		free(c);
	}
	free(plain);
}

Test(decompress, junk_after_the_magic_is_an_error)
{
	static const uint8_t magics[][6] = { { 0x28, 0xb5, 0x2f, 0xfd }, { 0x04, 0x22, 0x4d, 0x18 },
					     { 0xfd, '7', 'z', 'X', 'Z', 0 } };
	for (size_t f = 0; f < CNR_ARRAY_SIZE(magics); f++) {
		uint8_t junk[4096];
		memset(junk, 0xa5, sizeof(junk));
		memcpy(junk, magics[f], 6);
		cr_assert_str_eq(cnr_compression_of(junk, sizeof(junk)), formats[f]);
		struct cnr_file_image img;
		struct cnr_error *err = cnr_file_image_decompress(junk, sizeof(junk), &img);
		cr_assert_not_null(err, "%s junk accepted", formats[f]);
		cr_assert_eq(cnr_error_code(err), CNR_ERROR_FORMAT);
		cr_assert(strstr(cnr_error_message(err), formats[f]), "%s", cnr_error_message(err));
		cnr_error_destroy(err);
		// Only the magic: nothing to decompress, not a crash.
		err = cnr_file_image_decompress(junk, f == 2 ? 6 : 4, &img);
		if (!err) {
			cr_assert_eq(img.size, 0);
			cnr_file_image_deinit(&img);
		}
		cnr_error_destroy(err);
	}
	cr_assert_null(cnr_compression_of((const uint8_t *)"\x7f" "ELF", 4));
}
