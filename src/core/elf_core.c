#include "core/elf_core.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/vector.h"

// Caps on what a sane core holds; past them the header is lying.
enum {
	MAX_SEGMENTS = 4 * 1024 * 1024,
	MAX_NOTE_BYTES = 256 * 1024 * 1024,
	MAX_THREADS = 1024 * 1024,
};

// struct elf_prstatus (include/uapi/linux/elfcore.h) offsets common to the
// 64-bit architectures; its size and register set are the arch table's.
enum {
	PRSTATUS_CURSIG = 12,
	PRSTATUS_PID = 32,
	PRPSINFO_SIZE = 136,
	PRPSINFO_PID = 24,
	PRPSINFO_FNAME = 40,
	PRPSINFO_PSARGS = 56,
	SIGINFO_MIN = 24,
};

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

DEFINE_VECTOR(thread_vector, struct cnr_core_thread)

// Little-endian fields of the target, whatever the host's byte order.
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

// Copy n bytes at file offset off, which the caller has bounds-checked.
static void image_copy(struct cnr_core *core, uint64_t off, void *buf, size_t n)
{
	cnr_file_image_copy(&core->image, off, buf, n);
}

static struct cnr_error *check_header(struct cnr_core *core, Elf64_Ehdr *eh)
{
	const char *path = core->path;
	if (core->image.size < EI_NIDENT)
		return cnr_error_create(CNR_ERROR_FORMAT, "'%s' is not an ELF file: only %" PRIu64 " bytes",
					path, core->image.size);
	unsigned char ident[EI_NIDENT];
	image_copy(core, 0, ident, EI_NIDENT);
	if (memcmp(ident, ELFMAG, SELFMAG) != 0)
		return cnr_error_create(CNR_ERROR_FORMAT, "'%s' is not an ELF file (no ELF magic at offset 0)", path);
	if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
		return cnr_error_create(CNR_ERROR_FORMAT,
					"'%s' is not a 64-bit little-endian ELF file; coroner supports %s",
					path, cnr_arch_supported);
	if (core->image.size < sizeof(*eh))
		return cnr_error_corrupt("'%s' is truncated inside its ELF header (%" PRIu64 " bytes)", path,
					 core->image.size);
	image_copy(core, 0, eh, sizeof(*eh));
	if (eh->e_type != ET_CORE)
		return cnr_error_create(CNR_ERROR_FORMAT, "'%s' is not a core dump (ELF type %u, not ET_CORE)", path,
					eh->e_type);
	core->arch = cnr_arch_for_machine(eh->e_machine);
	if (!core->arch)
		return cnr_error_create(CNR_ERROR_FORMAT,
					"core '%s' is for machine %s (e_machine %u); coroner supports %s",
					path, cnr_arch_machine_name(eh->e_machine), eh->e_machine, cnr_arch_supported);
	// Both supported targets are 64-bit little-endian; a future one that
	// is not must say so in its table, and the reader must follow it.
	if (core->arch->ptr_size != 8 || !core->arch->little_endian)
		return cnr_error_create(CNR_ERROR_FORMAT, "core '%s': %s cores are not 64-bit little-endian", path,
					core->arch->goarch);
	return NULL;
}

static struct cnr_error *read_phdrs(struct cnr_core *core, const Elf64_Ehdr *eh, Elf64_Phdr **ret,
				    size_t *nret)
{
	uint64_t phnum = eh->e_phnum;
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return cnr_error_corrupt("core '%s': e_phentsize is %u, expected %zu", core->path,
					 eh->e_phentsize, sizeof(Elf64_Phdr));
	if (phnum == PN_XNUM) {
		// More than 65534 segments: the real count is in section 0's sh_info.
		Elf64_Shdr sh0;
		if (eh->e_shoff > core->image.size || sizeof(sh0) > core->image.size - eh->e_shoff)
			return cnr_error_corrupt("core '%s': e_phnum is PN_XNUM but section 0 at offset 0x%" PRIx64
						 " lies past the end of the file",
						 core->path, (uint64_t)eh->e_shoff);
		image_copy(core, eh->e_shoff, &sh0, sizeof(sh0));
		phnum = sh0.sh_info;
	}
	if (phnum == 0)
		return cnr_error_corrupt("core '%s' has no program headers", core->path);
	if (phnum > MAX_SEGMENTS)
		return cnr_error_corrupt("core '%s' claims %" PRIu64 " program headers", core->path, phnum);
	if (eh->e_phoff > core->image.size || phnum * sizeof(Elf64_Phdr) > core->image.size - eh->e_phoff)
		return cnr_error_corrupt("core '%s': %" PRIu64 " program headers at offset 0x%" PRIx64
					 " extend past the end of the file (%" PRIu64 " bytes)",
					 core->path, phnum, (uint64_t)eh->e_phoff, core->image.size);
	Elf64_Phdr *ph = malloc(phnum * sizeof(*ph));
	if (!ph)
		return &cnr_enomem;
	image_copy(core, eh->e_phoff, ph, phnum * sizeof(*ph));
	*ret = ph;
	*nret = phnum;
	return NULL;
}

static int cmp_segment(const void *a, const void *b)
{
	const struct cnr_core_segment *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static struct cnr_error *load_segments(struct cnr_core *core, const Elf64_Phdr *ph, size_t n)
{
	size_t nload = 0;
	for (size_t i = 0; i < n; i++)
		nload += ph[i].p_type == PT_LOAD;
	core->segments = calloc(nload ? nload : 1, sizeof(*core->segments));
	if (!core->segments)
		return &cnr_enomem;
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		if (p->p_vaddr + p->p_memsz < p->p_vaddr)
			return cnr_error_corrupt("core '%s': PT_LOAD %zu at 0x%" PRIx64 " with size 0x%" PRIx64
						 " wraps around the address space",
						 core->path, i, (uint64_t)p->p_vaddr, (uint64_t)p->p_memsz);
		if (p->p_filesz > p->p_memsz)
			return cnr_error_corrupt("core '%s': PT_LOAD %zu at 0x%" PRIx64 " has p_filesz 0x%" PRIx64
						 " > p_memsz 0x%" PRIx64,
						 core->path, i, (uint64_t)p->p_vaddr, (uint64_t)p->p_filesz,
						 (uint64_t)p->p_memsz);
		struct cnr_core_segment *s = &core->segments[core->nsegments++];
		s->vaddr = p->p_vaddr;
		s->memsz = p->p_memsz;
		s->offset = p->p_offset;
		s->filesz_header = p->p_filesz;
		s->flags = p->p_flags;
		// Don't look past the end of the actual file, even if the headers
		// tell us to [elfutils core-file.c]: a truncated core keeps what it has.
		if (p->p_offset >= core->image.size)
			s->filesz = 0;
		else if (p->p_filesz > core->image.size - p->p_offset)
			s->filesz = core->image.size - p->p_offset;
		else
			s->filesz = p->p_filesz;
		if (s->filesz < s->filesz_header) {
			core->truncated = true;
			core->missing_file_bytes += s->filesz_header - s->filesz;
		}
	}
	qsort(core->segments, core->nsegments, sizeof(*core->segments), cmp_segment);
	for (size_t i = 1; i < core->nsegments; i++) {
		const struct cnr_core_segment *a = &core->segments[i - 1], *b = &core->segments[i];
		if (a->vaddr + a->memsz > b->vaddr)
			return cnr_error_corrupt("core '%s': segments [0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64
						 ", 0x%" PRIx64 ") overlap",
						 core->path, a->vaddr, a->vaddr + a->memsz, b->vaddr, b->vaddr + b->memsz);
	}
	return NULL;
}

static struct cnr_error *parse_prstatus(struct cnr_core *core, struct thread_vector *threads,
					const uint8_t *d, uint64_t n, uint64_t off)
{
	const struct cnr_arch *a = core->arch;
	if (n < a->prstatus_size)
		return cnr_error_corrupt("core '%s': NT_PRSTATUS note at offset 0x%" PRIx64 " has %" PRIu64
					 " bytes, expected %u",
					 core->path, off, n, a->prstatus_size);
	if (threads->size >= MAX_THREADS)
		return cnr_error_corrupt("core '%s': more than %d threads", core->path, MAX_THREADS);
	struct cnr_core_thread *t = thread_vector_append(threads);
	if (!t)
		return &cnr_enomem;
	t->cursig = le16(d + PRSTATUS_CURSIG);
	t->tid = (int)le32(d + PRSTATUS_PID);
	for (unsigned r = 0; r < a->nregs; r++)
		t->regs[r] = le64(d + a->prstatus_reg_offset + 8 * r);
	return NULL;
}

static struct cnr_error *parse_nt_file(struct cnr_core *core, const uint8_t *d, uint64_t n, uint64_t off)
{
	if (core->files)
		return NULL; // the kernel writes one; keep the first
	if (n < 16)
		return cnr_error_corrupt("core '%s': NT_FILE note at offset 0x%" PRIx64 " is %" PRIu64 " bytes",
					 core->path, off, n);
	uint64_t count = le64(d), page_size = le64(d + 8);
	if (count > (n - 16) / 24)
		return cnr_error_corrupt("core '%s': NT_FILE note at offset 0x%" PRIx64 " claims %" PRIu64
					 " files in %" PRIu64 " bytes",
					 core->path, off, count, n);
	// The kernel writes page_size 4096 (offsets in pages); gdb's gcore
	// writes 1 (offsets in bytes).
	if (page_size == 0 || (page_size & (page_size - 1)))
		return cnr_error_corrupt("core '%s': NT_FILE page size %" PRIu64 " is not a power of two",
					 core->path, page_size);
	core->files = calloc(count ? count : 1, sizeof(*core->files));
	if (!core->files)
		return &cnr_enomem;
	const uint8_t *names = d + 16 + count * 24, *end = d + n;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = d + 16 + i * 24;
		struct cnr_core_mapped_file *f = &core->files[i];
		f->start = le64(e);
		f->end = le64(e + 8);
		uint64_t pgoff = le64(e + 16);
		if (pgoff > UINT64_MAX / page_size)
			return cnr_error_corrupt("core '%s': NT_FILE entry %" PRIu64 " has offset overflow",
						 core->path, i);
		f->file_offset = pgoff * page_size;
		const uint8_t *nul = names < end ? memchr(names, 0, (size_t)(end - names)) : NULL;
		if (!nul)
			return cnr_error_corrupt("core '%s': NT_FILE note at offset 0x%" PRIx64
						 " lacks the name of file %" PRIu64,
						 core->path, off, i);
		f->path = cnr_string_pool_add(&core->strings, (const char *)names, (size_t)(nul - names));
		if (!f->path)
			return &cnr_enomem;
		names = nul + 1;
		core->nfiles = i + 1;
	}
	return NULL;
}

static struct cnr_error *parse_note(struct cnr_core *core, struct thread_vector *threads, uint32_t type,
				    const char *name, const uint8_t *d, uint64_t n, uint64_t off)
{
	// Process notes are named "CORE"; "LINUX" notes hold extra register sets.
	if (strcmp(name, "CORE") != 0)
		return NULL;
	switch (type) {
	case NT_PRSTATUS:
		return parse_prstatus(core, threads, d, n, off);
	case NT_PRPSINFO: {
		if (core->has_prpsinfo)
			return NULL;
		if (n < PRPSINFO_SIZE)
			return cnr_error_corrupt("core '%s': NT_PRPSINFO note at offset 0x%" PRIx64 " has %" PRIu64
						 " bytes",
						 core->path, off, n);
		core->has_prpsinfo = true;
		core->pid = (int)le32(d + PRPSINFO_PID);
		core->fname = cnr_string_pool_add(&core->strings, (const char *)d + PRPSINFO_FNAME,
						  strnlen((const char *)d + PRPSINFO_FNAME, 16));
		core->psargs = cnr_string_pool_add(&core->strings, (const char *)d + PRPSINFO_PSARGS,
						   strnlen((const char *)d + PRPSINFO_PSARGS, 80));
		if (!core->fname || !core->psargs)
			return &cnr_enomem;
		return NULL;
	}
	case NT_SIGINFO:
		if (core->has_siginfo)
			return NULL; // gcore writes one per thread; the first is the process's
		if (n < SIGINFO_MIN)
			return cnr_error_corrupt("core '%s': NT_SIGINFO note at offset 0x%" PRIx64 " has %" PRIu64
						 " bytes",
						 core->path, off, n);
		core->has_siginfo = true;
		core->siginfo_signo = (int)le32(d);
		core->siginfo_code = (int)le32(d + 8);
		core->siginfo_addr = le64(d + 16);
		return NULL;
	case NT_AUXV:
		if (core->auxv)
			return NULL;
		core->nauxv = (size_t)(n / 16);
		core->auxv = malloc(core->nauxv ? core->nauxv * 16 : 1);
		if (!core->auxv)
			return &cnr_enomem;
		memcpy(core->auxv, d, core->nauxv * 16);
		return NULL;
	case NT_FILE:
		return parse_nt_file(core, d, n, off);
	default:
		return NULL;
	}
}

static struct cnr_error *parse_notes(struct cnr_core *core, const Elf64_Phdr *p, struct thread_vector *threads)
{
	if (p->p_filesz > MAX_NOTE_BYTES)
		return cnr_error_corrupt("core '%s': PT_NOTE of 0x%" PRIx64 " bytes is absurdly large", core->path,
					 (uint64_t)p->p_filesz);
	// A cut file keeps the notes that lie wholly before its end.
	uint64_t present = p->p_filesz;
	if (p->p_offset >= core->image.size)
		present = 0;
	else if (p->p_filesz > core->image.size - p->p_offset)
		present = core->image.size - p->p_offset;
	if (present < p->p_filesz) {
		core->truncated = core->notes_truncated = true;
		core->missing_file_bytes += p->p_filesz - present;
	}
	size_t len = (size_t)present;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return &cnr_enomem;
	image_copy(core, p->p_offset, buf, len);
	struct cnr_error *err = NULL;
	size_t pos = 0;
	while (pos < len) {
		uint64_t off = p->p_offset + pos;
		if (len - pos < 12) {
			if (core->notes_truncated)
				break;
			err = cnr_error_corrupt("core '%s': note header at offset 0x%" PRIx64 " is cut short",
						core->path, off);
			break;
		}
		uint32_t namesz = le32(buf + pos), descsz = le32(buf + pos + 4), type = le32(buf + pos + 8);
		size_t name_pad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t desc_pad = ((size_t)descsz + 3) & ~(size_t)3;
		size_t room = len - pos - 12;
		if (name_pad > room || desc_pad > room - name_pad) {
			// The last note may omit the padding of its descriptor.
			if (!(name_pad <= room && descsz <= room - name_pad)) {
				if (core->notes_truncated)
					break; // cut by the end of the file
				err = cnr_error_corrupt("core '%s': note at offset 0x%" PRIx64 " (namesz %u, descsz %u)"
							" extends past its PT_NOTE segment",
							core->path, off, namesz, descsz);
				break;
			}
			desc_pad = descsz;
		}
		char name[16] = "";
		if (namesz > 0 && namesz <= sizeof(name)) {
			memcpy(name, buf + pos + 12, namesz);
			name[sizeof(name) - 1] = '\0';
		}
		const uint8_t *desc = buf + pos + 12 + name_pad;
		err = parse_note(core, threads, type, name, desc, descsz, off);
		if (err)
			break;
		pos += 12 + name_pad + desc_pad;
	}
	free(buf);
	return err;
}

struct cnr_error *cnr_core_from_image(struct cnr_file_image *img, const char *path, struct cnr_core **ret)
{
	struct cnr_core *core = calloc(1, sizeof(*core));
	if (!core) {
		cnr_file_image_deinit(img);
		return &cnr_enomem;
	}
	core->image = *img;
	memset(img, 0, sizeof(*img));
	struct thread_vector threads = { 0 };
	Elf64_Phdr *ph = NULL;
	size_t nph = 0;
	Elf64_Ehdr eh;
	struct cnr_error *err;

	core->path = cnr_string_pool_add(&core->strings, path, strlen(path));
	if (!core->path) {
		err = &cnr_enomem;
		goto fail;
	}
	err = check_header(core, &eh);
	if (err)
		goto fail;
	err = read_phdrs(core, &eh, &ph, &nph);
	if (err)
		goto fail;
	err = load_segments(core, ph, nph);
	if (err)
		goto fail;
	for (size_t i = 0; i < nph; i++) {
		if (ph[i].p_type == PT_NOTE) {
			err = parse_notes(core, &ph[i], &threads);
			if (err)
				goto fail;
		}
	}
	// A core whose notes were cut off is still read (threads unknown); a
	// whole one without threads is not a process's core.
	if (threads.size == 0 && !core->notes_truncated) {
		err = cnr_error_corrupt("core '%s' has no NT_PRSTATUS note: no threads", path);
		goto fail;
	}
	thread_vector_shrink(&threads);
	core->threads = threads.data;
	core->nthreads = threads.size;
	free(ph);
	*ret = core;
	return NULL;
fail:
	free(ph);
	thread_vector_deinit(&threads);
	cnr_core_destroy(core);
	return err;
}

struct cnr_error *cnr_core_open(const char *path, struct cnr_core **ret)
{
	struct cnr_file_image img;
	struct cnr_error *err = cnr_file_image_open(path, &img);
	if (err)
		return err;
	// Say why a cut compressed core cannot be read: its stream ended.
	const char *cut = img.stream_truncated ? img.compression : NULL;
	uint64_t size = img.size;
	err = cnr_core_from_image(&img, path, ret);
	if (err && cut)
		err = cnr_error_wrap(err, "the %s stream of '%s' ends early, after %" PRIu64 " bytes", cut, path, size);
	return err;
}

void cnr_core_destroy(struct cnr_core *core)
{
	if (!core)
		return;
	cnr_file_image_deinit(&core->image);
	free(core->segments);
	free(core->threads);
	free(core->files);
	free(core->auxv);
	cnr_string_pool_deinit(&core->strings);
	free(core);
}

bool cnr_core_auxv(const struct cnr_core *core, uint64_t type, uint64_t *ret)
{
	for (size_t i = 0; i < core->nauxv; i++) {
		if (core->auxv[2 * i] == AT_NULL)
			break;
		if (core->auxv[2 * i] == type) {
			*ret = core->auxv[2 * i + 1];
			return true;
		}
	}
	return false;
}
