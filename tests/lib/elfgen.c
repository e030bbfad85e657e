#include "elfgen.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
// next_in as a const pointer: zlib never writes to its input.
#define ZLIB_CONST
#include <zlib.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "elfgen: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

static void buf_reserve(struct elfgen_buf *b, size_t n)
{
	if (n > SIZE_MAX - b->size) {
		fprintf(stderr, "elfgen: buffer size overflow\n");
		abort();
	}
	if (b->size + n <= b->capacity)
		return;
	size_t cap = b->capacity ? b->capacity : 256;
	while (cap < b->size + n)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->capacity = cap;
}

void elfgen_buf_append(struct elfgen_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (p)
		memcpy(b->data + b->size, p, n);
	else
		memset(b->data + b->size, 0, n);
	b->size += n;
}

void elfgen_buf_u32(struct elfgen_buf *b, uint32_t v)
{
	elfgen_buf_append(b, &v, sizeof(v)); // the host is x86-64: little-endian
}

void elfgen_buf_u64(struct elfgen_buf *b, uint64_t v)
{
	elfgen_buf_append(b, &v, sizeof(v));
}

void elfgen_buf_align(struct elfgen_buf *b, size_t align)
{
	if (align > 1 && b->size % align)
		elfgen_buf_append(b, NULL, align - b->size % align);
}

void elfgen_buf_deinit(struct elfgen_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void elfgen_init(struct elfgen *g, uint16_t e_type)
{
	memset(g, 0, sizeof(*g));
	g->ei_class = ELFCLASS64;
	g->ei_data = ELFDATA2LSB;
	g->e_type = e_type;
	g->e_machine = EM_X86_64;
	g->e_phentsize = sizeof(Elf64_Phdr);
	g->data_align = 16;
}

void elfgen_deinit(struct elfgen *g)
{
	for (size_t i = 0; i < g->nsegs; i++) {
		free(g->segs[i].bytes);
		elfgen_buf_deinit(&g->segs[i].notes);
	}
	free(g->segs);
	for (size_t i = 0; i < g->nsecs; i++) {
		free(g->secs[i].name);
		elfgen_buf_deinit(&g->secs[i].data);
	}
	free(g->secs);
	memset(g, 0, sizeof(*g));
}

uint8_t elfgen_pattern(uint64_t seed, uint64_t addr)
{
	// splitmix64 of (seed, addr): no zero runs, so sparse images keep it.
	uint64_t x = addr * 0x9e3779b97f4a7c15ULL ^ seed;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint8_t)(x | 1);
}

static struct elfgen_segment *new_segment(struct elfgen *g)
{
	if (g->nsegs == g->segs_cap) {
		g->segs_cap = g->segs_cap ? g->segs_cap * 2 : 16;
		g->segs = xrealloc(g->segs, g->segs_cap * sizeof(*g->segs));
	}
	struct elfgen_segment *s = &g->segs[g->nsegs++];
	memset(s, 0, sizeof(*s));
	return s;
}

size_t elfgen_add_load(struct elfgen *g, uint64_t vaddr, uint64_t memsz, uint32_t flags, uint64_t filesz,
		       const void *bytes)
{
	struct elfgen_segment *s = new_segment(g);
	s->type = PT_LOAD;
	s->flags = flags;
	s->vaddr = vaddr;
	s->memsz = memsz;
	s->filesz = filesz;
	if (bytes) {
		s->bytes = xrealloc(NULL, filesz);
		memcpy(s->bytes, bytes, filesz);
	}
	return g->nsegs - 1;
}

size_t elfgen_add_load_pattern(struct elfgen *g, uint64_t vaddr, uint64_t memsz, uint32_t flags,
			       uint64_t filesz, uint64_t seed)
{
	size_t i = elfgen_add_load(g, vaddr, memsz, flags, filesz, NULL);
	struct elfgen_segment *s = &g->segs[i];
	s->bytes = xrealloc(NULL, filesz);
	for (uint64_t j = 0; j < filesz; j++)
		s->bytes[j] = elfgen_pattern(seed, vaddr + j);
	return i;
}

void elfgen_fake_offset(struct elfgen *g, size_t i, uint64_t v)
{
	g->segs[i].fake_offset = true;
	g->segs[i].offset_hdr = v;
}

void elfgen_fake_filesz(struct elfgen *g, size_t i, uint64_t v)
{
	g->segs[i].fake_filesz = true;
	g->segs[i].filesz_hdr = v;
}

size_t elfgen_add_note_segment(struct elfgen *g)
{
	struct elfgen_segment *s = new_segment(g);
	s->type = PT_NOTE;
	return g->nsegs - 1;
}

void elfgen_note(struct elfgen *g, size_t seg, const char *name, uint32_t type, const void *desc,
		 size_t descsz)
{
	struct elfgen_buf *b = &g->segs[seg].notes;
	size_t namesz = strlen(name) + 1;
	elfgen_buf_u32(b, (uint32_t)namesz);
	elfgen_buf_u32(b, (uint32_t)descsz);
	elfgen_buf_u32(b, type);
	elfgen_buf_append(b, name, namesz);
	elfgen_buf_align(b, 4);
	elfgen_buf_append(b, desc, descsz);
	elfgen_buf_align(b, 4);
}

void elfgen_note_header(struct elfgen *g, size_t seg, uint32_t namesz, uint32_t descsz, uint32_t type)
{
	struct elfgen_buf *b = &g->segs[seg].notes;
	elfgen_buf_u32(b, namesz);
	elfgen_buf_u32(b, descsz);
	elfgen_buf_u32(b, type);
}

void elfgen_note_raw(struct elfgen *g, size_t seg, const void *p, size_t n)
{
	elfgen_buf_append(&g->segs[seg].notes, p, n);
}

static void put_u16(uint8_t *d, uint16_t v) { memcpy(d, &v, sizeof(v)); }
static void put_u32(uint8_t *d, uint32_t v) { memcpy(d, &v, sizeof(v)); }
static void put_u64(uint8_t *d, uint64_t v) { memcpy(d, &v, sizeof(v)); }

void elfgen_prstatus_regs(struct elfgen *g, size_t seg, int tid, int cursig,
			  const uint64_t regs[ELFGEN_NUM_REGS])
{
	uint8_t d[ELFGEN_PRSTATUS_SIZE] = { 0 };
	put_u16(d + 12, (uint16_t)cursig);
	put_u32(d + 32, (uint32_t)tid);
	for (int r = 0; r < ELFGEN_NUM_REGS; r++)
		put_u64(d + 112 + 8 * r, regs[r]);
	// pr_fpvalid after the registers: leave 0, as for a thread without FP state.
	elfgen_note(g, seg, "CORE", NT_PRSTATUS, d, sizeof(d));
}

uint64_t elfgen_thread_reg(int tid, int r)
{
	return 0x1000000000000000ULL | (uint64_t)tid << 16 | (uint64_t)r;
}

void elfgen_prstatus(struct elfgen *g, size_t seg, int tid, int cursig, uint64_t rip, uint64_t rsp,
		     uint64_t fs_base)
{
	uint64_t regs[ELFGEN_NUM_REGS];
	for (int r = 0; r < ELFGEN_NUM_REGS; r++)
		regs[r] = elfgen_thread_reg(tid, r);
	regs[ELFGEN_REG_RIP] = rip;
	regs[ELFGEN_REG_RSP] = rsp;
	regs[ELFGEN_REG_FS_BASE] = fs_base;
	elfgen_prstatus_regs(g, seg, tid, cursig, regs);
}

void elfgen_prpsinfo(struct elfgen *g, size_t seg, int pid, const char *fname, const char *psargs)
{
	uint8_t d[ELFGEN_PRPSINFO_SIZE] = { 0 };
	put_u32(d + 24, (uint32_t)pid);
	// The kernel copies with strncpy semantics: no NUL when the field is full.
	size_t n = strlen(fname);
	memcpy(d + 40, fname, n < 16 ? n : 16);
	n = strlen(psargs);
	memcpy(d + 56, psargs, n < 80 ? n : 80);
	elfgen_note(g, seg, "CORE", NT_PRPSINFO, d, sizeof(d));
}

void elfgen_siginfo(struct elfgen *g, size_t seg, int signo, int code, uint64_t addr)
{
	uint8_t d[ELFGEN_SIGINFO_SIZE] = { 0 };
	put_u32(d, (uint32_t)signo);
	put_u32(d + 8, (uint32_t)code);
	put_u64(d + 16, addr);
	elfgen_note(g, seg, "CORE", NT_SIGINFO, d, sizeof(d));
}

void elfgen_auxv(struct elfgen *g, size_t seg, const uint64_t *words, size_t n)
{
	elfgen_note(g, seg, "CORE", NT_AUXV, words, n * sizeof(*words));
}

void elfgen_nt_file(struct elfgen *g, size_t seg, uint64_t page_size, const struct elfgen_file *files,
		    size_t n)
{
	struct elfgen_buf d = { 0 };
	elfgen_buf_u64(&d, n);
	elfgen_buf_u64(&d, page_size);
	for (size_t i = 0; i < n; i++) {
		elfgen_buf_u64(&d, files[i].start);
		elfgen_buf_u64(&d, files[i].end);
		elfgen_buf_u64(&d, files[i].offset / page_size);
	}
	for (size_t i = 0; i < n; i++)
		elfgen_buf_append(&d, files[i].path, strlen(files[i].path) + 1);
	elfgen_note(g, seg, "CORE", NT_FILE, d.data, d.size);
	elfgen_buf_deinit(&d);
}

size_t elfgen_add_section(struct elfgen *g, const char *name, uint32_t type, uint64_t flags, uint64_t addr,
			  const void *data, size_t size)
{
	if (g->nsecs == g->secs_cap) {
		g->secs_cap = g->secs_cap ? g->secs_cap * 2 : 8;
		g->secs = xrealloc(g->secs, g->secs_cap * sizeof(*g->secs));
	}
	struct elfgen_section *s = &g->secs[g->nsecs++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		abort();
	s->type = type;
	s->flags = flags;
	s->addr = addr;
	elfgen_buf_append(&s->data, data, size);
	return g->nsecs - 1;
}

void elfgen_build(struct elfgen *g, struct elfgen_buf *out)
{
	bool xnum = g->force_xnum || g->nsegs >= PN_XNUM;
	bool have_shdrs = g->nsecs > 0 || xnum;

	memset(out, 0, sizeof(*out));
	elfgen_buf_append(out, NULL, sizeof(Elf64_Ehdr));
	uint64_t phoff = out->size;
	elfgen_buf_append(out, NULL, g->nsegs * sizeof(Elf64_Phdr));

	for (size_t i = 0; i < g->nsegs; i++) {
		struct elfgen_segment *s = &g->segs[i];
		if (s->type == PT_NOTE)
			s->filesz = s->notes.size;
		elfgen_buf_align(out, g->data_align);
		s->file_offset = out->size;
		if (s->type == PT_NOTE)
			elfgen_buf_append(out, s->notes.data, s->notes.size);
		else
			elfgen_buf_append(out, s->bytes, s->filesz);
	}

	// Section contents, then .shstrtab: index 0 is the null section, user
	// sections are 1..nsecs, .shstrtab is nsecs + 1.
	struct elfgen_buf shstrtab = { 0 };
	elfgen_buf_append(&shstrtab, "", 1);
	uint32_t *name_off = xrealloc(NULL, (g->nsecs + 1) * sizeof(*name_off));
	for (size_t i = 0; i < g->nsecs; i++) {
		struct elfgen_section *s = &g->secs[i];
		elfgen_buf_align(out, 8);
		s->file_offset = out->size;
		elfgen_buf_append(out, s->data.data, s->data.size);
		name_off[i] = (uint32_t)shstrtab.size;
		elfgen_buf_append(&shstrtab, s->name, strlen(s->name) + 1);
	}
	uint64_t shstrtab_off = 0;
	if (g->nsecs) {
		name_off[g->nsecs] = (uint32_t)shstrtab.size;
		elfgen_buf_append(&shstrtab, ".shstrtab", sizeof(".shstrtab"));
		shstrtab_off = out->size;
		elfgen_buf_append(out, shstrtab.data, shstrtab.size);
	}

	uint64_t shoff = 0;
	size_t shnum = 0;
	if (have_shdrs) {
		elfgen_buf_align(out, 8);
		shoff = out->size;
		shnum = g->nsecs ? g->nsecs + 2 : 1;
		elfgen_buf_append(out, NULL, shnum * sizeof(Elf64_Shdr));
		Elf64_Shdr sh0 = { 0 };
		if (xnum)
			sh0.sh_info = (Elf64_Word)g->nsegs; // fs/binfmt_elf.c fill_extnum_info()
		memcpy(out->data + shoff, &sh0, sizeof(sh0));
		for (size_t i = 0; i < g->nsecs; i++) {
			const struct elfgen_section *s = &g->secs[i];
			Elf64_Shdr sh = {
				.sh_name = name_off[i],
				.sh_type = s->type,
				.sh_flags = s->flags,
				.sh_addr = s->addr,
				.sh_offset = s->file_offset,
				.sh_size = s->data.size,
				.sh_addralign = s->type == SHT_NOTE ? 4 : 1,
			};
			memcpy(out->data + shoff + (i + 1) * sizeof(sh), &sh, sizeof(sh));
		}
		if (g->nsecs) {
			Elf64_Shdr sh = {
				.sh_name = name_off[g->nsecs],
				.sh_type = SHT_STRTAB,
				.sh_offset = shstrtab_off,
				.sh_size = shstrtab.size,
				.sh_addralign = 1,
			};
			memcpy(out->data + shoff + (g->nsecs + 1) * sizeof(sh), &sh, sizeof(sh));
		}
	}
	free(name_off);
	elfgen_buf_deinit(&shstrtab);

	for (size_t i = 0; i < g->nsegs; i++) {
		const struct elfgen_segment *s = &g->segs[i];
		Elf64_Phdr ph = {
			.p_type = s->type,
			.p_flags = s->flags,
			.p_offset = s->fake_offset ? s->offset_hdr : s->file_offset,
			.p_vaddr = s->vaddr,
			.p_filesz = s->fake_filesz ? s->filesz_hdr : s->filesz,
			.p_memsz = s->type == PT_NOTE ? 0 : s->memsz,
			.p_align = s->type == PT_NOTE ? 4 : 1,
		};
		memcpy(out->data + phoff + i * sizeof(ph), &ph, sizeof(ph));
	}

	Elf64_Ehdr eh = {
		.e_type = g->e_type,
		.e_machine = g->e_machine,
		.e_version = EV_CURRENT,
		.e_entry = g->e_entry,
		.e_phoff = g->nsegs ? phoff : 0,
		.e_shoff = shoff,
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = g->e_phentsize,
		.e_phnum = xnum ? PN_XNUM : (Elf64_Half)g->nsegs,
		.e_shentsize = have_shdrs ? sizeof(Elf64_Shdr) : 0,
		.e_shnum = (Elf64_Half)shnum,
		.e_shstrndx = g->nsecs ? (Elf64_Half)(g->nsecs + 1) : SHN_UNDEF,
	};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = g->ei_class;
	eh.e_ident[EI_DATA] = g->ei_data;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	memcpy(out->data, &eh, sizeof(eh));
}

void elfgen_gzip(const void *data, size_t n, int level, struct elfgen_buf *out)
{
	memset(out, 0, sizeof(*out));
	z_stream zs = { 0 };
	// 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
	if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	const uint8_t *in = data;
	size_t in_left = n;
	enum { OUT_STEP = 1 << 20 };
	for (;;) {
		if (zs.avail_in == 0 && in_left) {
			uInt take = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
			zs.next_in = in;
			zs.avail_in = take;
			in += take;
			in_left -= take;
		}
		buf_reserve(out, OUT_STEP);
		zs.next_out = out->data + out->size;
		zs.avail_out = OUT_STEP;
		int r = deflate(&zs, in_left ? Z_NO_FLUSH : Z_FINISH);
		out->size += OUT_STEP - zs.avail_out;
		if (r == Z_STREAM_END)
			break;
		if (r != Z_OK && r != Z_BUF_ERROR)
			abort();
	}
	deflateEnd(&zs);
}

bool elfgen_write_bytes(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	const uint8_t *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd) == 0;
}

bool elfgen_write(struct elfgen *g, const char *path)
{
	struct elfgen_buf b;
	elfgen_build(g, &b);
	bool ok = elfgen_write_bytes(path, b.data, b.size);
	elfgen_buf_deinit(&b);
	return ok;
}

bool elfgen_write_gz(struct elfgen *g, const char *path)
{
	struct elfgen_buf b, z;
	elfgen_build(g, &b);
	elfgen_gzip(b.data, b.size, 6, &z);
	bool ok = elfgen_write_bytes(path, z.data, z.size);
	elfgen_buf_deinit(&b);
	elfgen_buf_deinit(&z);
	return ok;
}

bool elfgen_truncate(const char *path, uint64_t size)
{
	return truncate(path, (off_t)size) == 0;
}
