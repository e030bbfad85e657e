// The bytes of a core, mapped or inflated from gzip into a sparse image:
// both must read the same, zeros must not cost memory, and bad gzip must
// be an error or a flagged truncation, never a crash.
#include <elf.h>

#include "core/elf_core.h"
#include "core/file_image.h"
#include "elfgen.h"
#include "test_util.h"

TestSuite(file_image, .fini = cnr_test_tmpdir_cleanup, .timeout = 120);

enum { PAGE = 4096 };

// A core whose file mixes pattern bytes and runs of zeros of odd sizes,
// so that a sparse image has holes that start and end inside pages.
static void mixed_core(struct elfgen *g, struct elfgen_buf *out)
{
	elfgen_init(g, ET_CORE);
	size_t n = elfgen_add_note_segment(g);
	elfgen_prstatus(g, n, 1, 0, 0x401000, 0xc000001000, 0);
	elfgen_add_load_pattern(g, 0x400000, 0x3000, PF_R | PF_X, 0x1234, 7);
	elfgen_add_load(g, 0x500000, 0x5000, PF_R | PF_W, 0x5000, NULL); // zeros
	elfgen_add_load_pattern(g, 0x600000, 0x1000, PF_R | PF_W, 0x1000, 8);
	elfgen_add_load(g, 0x700000, 0x3000, PF_R | PF_W, 0x2f00, NULL);
	elfgen_add_load_pattern(g, 0xc000000000, 0x20000, PF_R | PF_W, 0x1ffff, 9);
	elfgen_build(g, out);
	// A few isolated non-zero bytes inside the zero runs.
	out->data[g->segs[2].file_offset + 0x2345] = 0x5a;
	out->data[g->segs[4].file_offset + 0x2eff] = 0xa5;
}

static void assert_images_equal(struct cnr_file_image *img, const uint8_t *want, size_t size)
{
	cr_assert_eq(img->size, size);
	uint8_t *got = malloc(size);
	cr_assert_not_null(got);
	memset(got, 0xee, size);
	cnr_file_image_copy(img, 0, got, size);
	cr_assert(memcmp(got, want, size) == 0, "whole-image copy differs");

	// Random ranges, in random order, to exercise the last-hit cache.
	uint64_t s = 0xfeedface;
	uint8_t buf[3 * PAGE + 17];
	for (int k = 0; k < 4000; k++) {
		size_t n = (size_t)(cnr_test_rand(&s) % (size < sizeof(buf) ? size + 1 : sizeof(buf)));
		size_t off = (size_t)(cnr_test_rand(&s) % (size - n + 1));
		cnr_file_image_copy(img, off, buf, n);
		cr_assert(memcmp(buf, want + off, n) == 0, "copy of [%zu, +%zu) differs", off, n);
		const uint8_t *p = cnr_file_image_ptr(img, off, n);
		if (p)
			cr_assert(memcmp(p, want + off, n) == 0, "pointer to [%zu, +%zu) is wrong", off, n);
	}
	free(got);
}

Test(file_image, gzip_core_equals_plain_core)
{
	struct elfgen g;
	struct elfgen_buf plain, gz;
	mixed_core(&g, &plain);
	elfgen_gzip(plain.data, plain.size, 6, &gz);
	const char *ppath = cnr_test_path("mixed.core"), *zpath = cnr_test_path("mixed.core.gz");
	cr_assert(elfgen_write_bytes(ppath, plain.data, plain.size));
	cr_assert(elfgen_write_bytes(zpath, gz.data, gz.size));

	struct cnr_file_image pimg, zimg;
	cnr_cr_assert_ok(cnr_file_image_open(ppath, &pimg));
	cnr_cr_assert_ok(cnr_file_image_open(zpath, &zimg));
	cr_assert_not(pimg.compressed);
	cr_assert(zimg.compressed);
	cr_assert_not(zimg.stream_truncated);
	cr_assert_lt(zimg.resident_bytes, zimg.size, "zero runs were kept");
	assert_images_equal(&pimg, plain.data, plain.size);
	assert_images_equal(&zimg, plain.data, plain.size);

	// The parsed cores agree too.
	struct cnr_core *pc, *zc;
	cnr_cr_assert_ok(cnr_core_from_image(&pimg, ppath, &pc));
	cnr_cr_assert_ok(cnr_core_from_image(&zimg, zpath, &zc));
	cr_assert_eq(pc->nsegments, zc->nsegments);
	for (size_t i = 0; i < pc->nsegments; i++) {
		cr_assert_eq(pc->segments[i].vaddr, zc->segments[i].vaddr);
		cr_assert_eq(pc->segments[i].offset, zc->segments[i].offset);
		cr_assert_eq(pc->segments[i].filesz, zc->segments[i].filesz);
	}
	cr_assert_eq(zc->threads[0].regs[CNR_REG_RIP], 0x401000);
	cnr_core_destroy(pc);
	cnr_core_destroy(zc);
	elfgen_buf_deinit(&plain);
	elfgen_buf_deinit(&gz);
	elfgen_deinit(&g);
}

Test(file_image, mapped_image_pointer_is_always_direct)
{
	struct elfgen g;
	struct elfgen_buf plain;
	mixed_core(&g, &plain);
	const char *path = cnr_test_path("mixed.core");
	cr_assert(elfgen_write_bytes(path, plain.data, plain.size));
	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_open(path, &img));
	for (size_t off = 0; off + 2 * PAGE <= plain.size; off += 777) {
		const uint8_t *p = cnr_file_image_ptr(&img, off, 2 * PAGE);
		cr_assert_not_null(p);
		cr_assert(memcmp(p, plain.data + off, 2 * PAGE) == 0);
	}
	cnr_file_image_deinit(&img);
	elfgen_buf_deinit(&plain);
	elfgen_deinit(&g);
}

Test(file_image, large_zero_region_is_not_materialized)
{
	// gcore writes Go's untouched arena reservations as zeros: 64 MiB of
	// them must not cost 64 MiB of RAM.
	enum { ZEROS = 64 << 20 };
	struct elfgen g;
	elfgen_init(&g, ET_CORE);
	size_t n = elfgen_add_note_segment(&g);
	elfgen_prstatus(&g, n, 1, 0, 0, 0, 0);
	elfgen_add_load_pattern(&g, 0x400000, 0x2000, PF_R | PF_X, 0x2000, 1);
	elfgen_add_load(&g, 0xc000000000, ZEROS, PF_R | PF_W, ZEROS, NULL);
	elfgen_add_load_pattern(&g, 0xc004000000, 0x1000, PF_R | PF_W, 0x1000, 2);
	struct elfgen_buf plain, gz;
	elfgen_build(&g, &plain);
	elfgen_gzip(plain.data, plain.size, 1, &gz);

	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_inflate(gz.data, gz.size, &img));
	cr_assert_eq(img.size, plain.size);
	cr_assert_lt(img.resident_bytes, 256 * 1024, "%" PRIu64 " bytes resident", img.resident_bytes);

	// The zeros still read as zeros: the file really holds them.
	uint8_t buf[PAGE + 3];
	uint64_t zoff = g.segs[2].file_offset;
	cnr_file_image_copy(&img, zoff + 12345678, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_null(cnr_file_image_ptr(&img, zoff + 12345678, 8), "pointer into a hole");
	// From the last zero into the final segment, which ends the file.
	uint64_t last = g.segs[3].file_offset;
	cr_assert_eq(last + 0x1000, plain.size);
	cnr_file_image_copy(&img, last - 1, buf, 0x1000 + 1);
	cr_assert_eq(buf[0], 0);
	cr_assert(memcmp(buf + 1, plain.data + last, 0x1000) == 0);

	struct cnr_core *core;
	cnr_cr_assert_ok(cnr_core_from_image(&img, "zeros.core.gz", &core));
	cr_assert_eq(core->nsegments, 3);
	cr_assert_eq(core->segments[1].filesz, ZEROS);
	cr_assert_not(core->truncated);
	cnr_core_destroy(core);
	elfgen_buf_deinit(&plain);
	elfgen_buf_deinit(&gz);
	elfgen_deinit(&g);
}

Test(file_image, concatenated_gzip_members)
{
	// pigz and `cat a.gz b.gz` produce several members: one file.
	struct elfgen g;
	struct elfgen_buf plain;
	mixed_core(&g, &plain);
	size_t cuts[] = { 0, plain.size / 3 + 17, plain.size / 2 + 4096, plain.size };
	struct elfgen_buf all = { 0 };
	for (size_t i = 0; i + 1 < CNR_ARRAY_SIZE(cuts); i++) {
		struct elfgen_buf z;
		elfgen_gzip(plain.data + cuts[i], cuts[i + 1] - cuts[i], 6, &z);
		elfgen_buf_append(&all, z.data, z.size);
		elfgen_buf_deinit(&z);
	}
	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_inflate(all.data, all.size, &img));
	cr_assert_not(img.stream_truncated);
	assert_images_equal(&img, plain.data, plain.size);
	cnr_file_image_deinit(&img);

	// And through the file path and the ELF parser.
	const char *path = cnr_test_path("multi.core.gz");
	cr_assert(elfgen_write_bytes(path, all.data, all.size));
	struct cnr_core *core;
	cnr_cr_assert_ok(cnr_core_open(path, &core));
	cr_assert_eq(core->nsegments, 5);
	cnr_core_destroy(core);
	elfgen_buf_deinit(&all);
	elfgen_buf_deinit(&plain);
	elfgen_deinit(&g);
}

Test(file_image, empty_gzip_member_among_others)
{
	struct elfgen_buf a, empty, all = { 0 };
	uint8_t data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = elfgen_pattern(3, i);
	elfgen_gzip(data, sizeof(data), 6, &a);
	elfgen_gzip("", 0, 6, &empty);
	elfgen_buf_append(&all, empty.data, empty.size);
	elfgen_buf_append(&all, a.data, a.size);
	elfgen_buf_append(&all, empty.data, empty.size);
	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_inflate(all.data, all.size, &img));
	assert_images_equal(&img, data, sizeof(data));
	cnr_file_image_deinit(&img);
	elfgen_buf_deinit(&a);
	elfgen_buf_deinit(&empty);
	elfgen_buf_deinit(&all);
}

Test(file_image, truncated_gzip_keeps_what_inflated)
{
	struct elfgen g;
	struct elfgen_buf plain, gz;
	mixed_core(&g, &plain);
	elfgen_gzip(plain.data, plain.size, 6, &gz);
	const size_t cuts[] = { gz.size / 2, gz.size - 8, gz.size - 1 };
	for (size_t k = 0; k < CNR_ARRAY_SIZE(cuts); k++) {
		struct cnr_file_image img;
		cnr_cr_assert_ok(cnr_file_image_inflate(gz.data, cuts[k], &img));
		cr_assert(img.stream_truncated, "cut at %zu of %zu not flagged", cuts[k], gz.size);
		cr_assert_leq(img.size, plain.size);
		uint8_t *got = malloc(img.size ? img.size : 1);
		cr_assert_not_null(got);
		cnr_file_image_copy(&img, 0, got, img.size);
		cr_assert(memcmp(got, plain.data, img.size) == 0, "inflated prefix differs");
		free(got);
		if (k == 0) {
			cr_assert_gt(img.size, 0);
			cr_assert_lt(img.size, plain.size);
			// The ELF parser opens what is left and flags the missing bytes.
			struct cnr_core *core;
			cnr_cr_assert_ok(cnr_core_from_image(&img, "cut.core.gz", &core));
			cr_assert(core->truncated);
			cr_assert_gt(core->missing_file_bytes, 0);
			cr_assert(core->image.stream_truncated);
			cnr_core_destroy(core);
		} else {
			// Cut inside the trailer (CRC, length): every byte inflated.
			cr_assert_eq(img.size, plain.size);
			cnr_file_image_deinit(&img);
		}
	}
	elfgen_buf_deinit(&plain);
	elfgen_buf_deinit(&gz);
	elfgen_deinit(&g);
}

Test(file_image, gzip_cut_inside_its_header)
{
	struct elfgen g;
	struct elfgen_buf plain, gz;
	mixed_core(&g, &plain);
	elfgen_gzip(plain.data, plain.size, 6, &gz);
	const char *path = cnr_test_path("header.core.gz");
	for (size_t cut = 2; cut < 12; cut++) {
		cr_assert(elfgen_write_bytes(path, gz.data, cut));
		struct cnr_core *core = NULL;
		struct cnr_error *err = cnr_core_open(path, &core);
		cr_assert_not_null(err, "a %zu-byte gzip file opened as a core", cut);
		cr_assert(cnr_error_code(err) == CNR_ERROR_FORMAT || cnr_error_code(err) == CNR_ERROR_CORRUPT,
			  "%s", cnr_error_message(err));
		cnr_error_destroy(err);
	}
	elfgen_buf_deinit(&plain);
	elfgen_buf_deinit(&gz);
	elfgen_deinit(&g);
}

Test(file_image, garbage_after_gzip_magic_is_an_error)
{
	const char *path = cnr_test_path("garbage.gz");
	// A well-formed header (deflate, no flags) followed by junk.
	uint8_t junk[4096] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3 };
	uint64_t s = 42;
	for (size_t i = 10; i < sizeof(junk); i++)
		junk[i] = (uint8_t)cnr_test_rand(&s) | 0x06; // block type 3: invalid
	junk[10] = 0x07;
	cr_assert(elfgen_write_bytes(path, junk, sizeof(junk)));
	struct cnr_file_image img;
	cnr_cr_assert_err_msg(cnr_file_image_open(path, &img), CNR_ERROR_FORMAT, path);

	// Whatever follows the magic, the result is an error or an image the
	// ELF parser then refuses: never a crash, never a core.
	for (int k = 0; k < 500; k++) {
		size_t n = 2 + (size_t)(cnr_test_rand(&s) % (sizeof(junk) - 2));
		for (size_t i = 2; i < n; i++)
			junk[i] = (uint8_t)cnr_test_rand(&s);
		if (k & 1)
			junk[2] = 0x08; // get past the method check half of the time
		struct cnr_error *err = cnr_file_image_inflate(junk, n, &img);
		if (!err) {
			struct cnr_core *core = NULL;
			err = cnr_core_from_image(&img, "garbage.gz", &core);
			cr_assert_not_null(err, "garbage %d parsed as a core", k);
		}
		cnr_error_destroy(err);
	}
}

Test(file_image, trailing_garbage_after_member_keeps_data)
{
	uint8_t data[20000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = elfgen_pattern(5, i);
	struct elfgen_buf gz;
	elfgen_gzip(data, sizeof(data), 6, &gz);
	elfgen_buf_append(&gz, "this is not gzip", 16);
	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_inflate(gz.data, gz.size, &img));
	assert_images_equal(&img, data, sizeof(data));
	cnr_file_image_deinit(&img);
	elfgen_buf_deinit(&gz);
}

Test(file_image, pointers_stop_at_chunk_boundaries)
{
	// [A][0][0][B][C][0][tail of 100 bytes]: chunks [0, 4K), [12K, 20K)
	// (B and C merge) and [24K, 24K+100).
	enum { SIZE = 6 * PAGE + 100 };
	static uint8_t data[SIZE];
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < SIZE; i++) {
		size_t page = i / PAGE;
		if (page == 0 || page == 3 || page == 4 || page == 6)
			data[i] = elfgen_pattern(11, i);
	}
	struct elfgen_buf gz;
	elfgen_gzip(data, sizeof(data), 6, &gz);
	struct cnr_file_image img;
	cnr_cr_assert_ok(cnr_file_image_inflate(gz.data, gz.size, &img));
	cr_assert_eq(img.size, SIZE);
	cr_assert_eq(img.nchunks, 3);
	cr_assert_eq(img.resident_bytes, 3 * PAGE + 100);

	struct { uint64_t off; size_t n; bool direct; } cases[] = {
		{ 0, PAGE, true },
		{ 100, 200, true },
		{ PAGE - 1, 1, true },
		{ PAGE - 1, 2, false },          // runs into the hole
		{ PAGE, 1, false },              // in the hole
		{ 2 * PAGE + 5, 10, false },
		{ 3 * PAGE - 1, 2, false },      // from the hole into B
		{ 3 * PAGE, 2 * PAGE, true },    // B and C are one chunk
		{ 4 * PAGE - 8, 16, true },
		{ 5 * PAGE - 8, 16, false },     // C into the hole
		{ 6 * PAGE, 100, true },
		{ 6 * PAGE + 99, 1, true },
		{ 6 * PAGE + 50, 51, false },    // past the end of the image
		{ 0, SIZE, false },
	};
	// Twice, forwards then backwards, so the last-hit cache is exercised
	// from every starting point.
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < CNR_ARRAY_SIZE(cases); j++) {
			size_t k = pass ? CNR_ARRAY_SIZE(cases) - 1 - j : j;
			const uint8_t *p = cnr_file_image_ptr(&img, cases[k].off, cases[k].n);
			if (!cases[k].direct) {
				cr_assert_null(p, "case %zu: [0x%" PRIx64 ", +%zu) gave a pointer", k, cases[k].off,
					       cases[k].n);
				continue;
			}
			cr_assert_not_null(p, "case %zu: no pointer to [0x%" PRIx64 ", +%zu)", k, cases[k].off,
					   cases[k].n);
			cr_assert(memcmp(p, data + cases[k].off, cases[k].n) == 0, "case %zu: wrong bytes", k);
		}
	}
	assert_images_equal(&img, data, sizeof(data));
	cnr_file_image_deinit(&img);
	elfgen_buf_deinit(&gz);
}

Test(file_image, empty_gzip_is_not_a_core)
{
	struct elfgen_buf gz;
	elfgen_gzip("", 0, 6, &gz);
	const char *path = cnr_test_path("empty.gz");
	cr_assert(elfgen_write_bytes(path, gz.data, gz.size));
	struct cnr_core *core = NULL;
	cnr_cr_assert_err_msg(cnr_core_open(path, &core), CNR_ERROR_FORMAT, path);
	elfgen_buf_deinit(&gz);
}
