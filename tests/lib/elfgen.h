// Synthetic ELF64 little-endian x86-64 files built in memory, for loader
// tests that real cores cannot reach: overlapping segments, p_filesz <
// p_memsz, headers that lie, absurd notes, truncation, gzip [drgn
// tests/elfwriter.py].
//
// The writer is deliberately dumb: it writes exactly what the test asked
// for, including nonsense, and checks nothing.  It aborts on allocation
// failure, since a test that cannot allocate has nothing better to do.
//
// File layout: ELF header, program headers, each segment's bytes (in the
// order added, aligned to data_align), section contents, section headers.
#ifndef CNR_TESTS_ELFGEN_H
#define CNR_TESTS_ELFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// A growable byte buffer.
struct elfgen_buf {
	uint8_t *data;
	size_t size, capacity;
};

// Append n bytes from p, or n zero bytes if p is NULL.
void elfgen_buf_append(struct elfgen_buf *b, const void *p, size_t n);
void elfgen_buf_u32(struct elfgen_buf *b, uint32_t v);
void elfgen_buf_u64(struct elfgen_buf *b, uint64_t v);
// Append zeros until size is a multiple of align.
void elfgen_buf_align(struct elfgen_buf *b, size_t align);
void elfgen_buf_deinit(struct elfgen_buf *b);

struct elfgen_segment {
	uint32_t type;  // PT_LOAD or PT_NOTE (any value is written as is)
	uint32_t flags; // PF_R | PF_W | PF_X; 0 is PROT_NONE
	uint64_t vaddr, memsz;
	uint64_t filesz;          // bytes placed in the file
	uint8_t *bytes;           // filesz bytes, or NULL for zeros (never materialized here)
	struct elfgen_buf notes;  // PT_NOTE contents; filesz follows it
	// Lies: header values written instead of the true ones.
	bool fake_offset, fake_filesz;
	uint64_t offset_hdr, filesz_hdr;
	uint64_t file_offset;     // set by elfgen_build(): where the bytes went
};

struct elfgen_section {
	char *name;
	uint32_t type;
	uint64_t flags, addr;
	struct elfgen_buf data;
	uint64_t file_offset; // set by elfgen_build()
};

struct elfgen {
	// Header fields, preset for a Linux x86-64 ELF64 LE file; tests
	// overwrite them to build the files the loader must refuse.
	unsigned char ei_class, ei_data;
	uint16_t e_type, e_machine, e_phentsize;
	uint64_t e_entry;
	// Write e_phnum = PN_XNUM and the real count in section 0's sh_info
	// even when it would fit (it is forced past 65534 segments).
	bool force_xnum;
	uint64_t data_align; // alignment of segment bytes in the file
	struct elfgen_segment *segs;
	size_t nsegs, segs_cap;
	struct elfgen_section *secs;
	size_t nsecs, secs_cap;
};

void elfgen_init(struct elfgen *g, uint16_t e_type);
void elfgen_deinit(struct elfgen *g);

// A deterministic byte for address addr, so that a test can compute what
// a segment holds without keeping a copy.  Different seeds give different
// contents for the same address (core vs executable).
uint8_t elfgen_pattern(uint64_t seed, uint64_t addr);

// Add a PT_LOAD of memsz bytes at vaddr whose first filesz bytes are in the
// file: copied from bytes, or zeros if bytes is NULL.  Returns its index.
size_t elfgen_add_load(struct elfgen *g, uint64_t vaddr, uint64_t memsz, uint32_t flags, uint64_t filesz,
		       const void *bytes);
// The same, filled with elfgen_pattern(seed, address).
size_t elfgen_add_load_pattern(struct elfgen *g, uint64_t vaddr, uint64_t memsz, uint32_t flags,
			       uint64_t filesz, uint64_t seed);
// Write p_offset / p_filesz = v in segment i's header, whatever the truth.
void elfgen_fake_offset(struct elfgen *g, size_t i, uint64_t v);
void elfgen_fake_filesz(struct elfgen *g, size_t i, uint64_t v);

// Add an empty PT_NOTE segment; fill it with the elfgen_note* functions.
size_t elfgen_add_note_segment(struct elfgen *g);
// A well-formed note: namesz includes the NUL; name and desc padded to 4.
void elfgen_note(struct elfgen *g, size_t seg, const char *name, uint32_t type, const void *desc,
		 size_t descsz);
// A bare 12-byte note header with arbitrary sizes (absurd notes).
void elfgen_note_header(struct elfgen *g, size_t seg, uint32_t namesz, uint32_t descsz, uint32_t type);
// Arbitrary bytes appended to the note segment.
void elfgen_note_raw(struct elfgen *g, size_t seg, const void *p, size_t n);

// Linux x86-64 note descriptors (include/uapi/linux/elfcore.h, sys/user.h).
enum {
	ELFGEN_PRSTATUS_SIZE = 336,
	ELFGEN_PRPSINFO_SIZE = 136,
	ELFGEN_SIGINFO_SIZE = 128,
	ELFGEN_NUM_REGS = 27,
	// user_regs_struct indices
	ELFGEN_REG_RIP = 16,
	ELFGEN_REG_RSP = 19,
	ELFGEN_REG_FS_BASE = 21,
};

// NT_PRSTATUS: cursig @12 (u16), pid @32 (u32), pr_reg @112 (27 u64).
void elfgen_prstatus_regs(struct elfgen *g, size_t seg, int tid, int cursig,
			  const uint64_t regs[ELFGEN_NUM_REGS]);
// The same with every other register set to elfgen_thread_reg(tid, r).
void elfgen_prstatus(struct elfgen *g, size_t seg, int tid, int cursig, uint64_t rip, uint64_t rsp,
		     uint64_t fs_base);
uint64_t elfgen_thread_reg(int tid, int r);
// NT_PRPSINFO: pid @24, fname @40 [16], psargs @56 [80].
void elfgen_prpsinfo(struct elfgen *g, size_t seg, int pid, const char *fname, const char *psargs);
// NT_SIGINFO: si_signo @0, si_code @8, si_addr @16.
void elfgen_siginfo(struct elfgen *g, size_t seg, int signo, int code, uint64_t addr);
// NT_AUXV from n u64 words (type, value pairs; end with AT_NULL yourself).
void elfgen_auxv(struct elfgen *g, size_t seg, const uint64_t *words, size_t n);

struct elfgen_file {
	uint64_t start, end;
	uint64_t offset; // in bytes; must be a multiple of page_size
	const char *path;
};
// NT_FILE with page_size 4096 (the kernel: offsets in pages) or 1 (gdb's
// gcore: offsets in bytes).
void elfgen_nt_file(struct elfgen *g, size_t seg, uint64_t page_size, const struct elfgen_file *files,
		    size_t n);

// Add a section (with a section header table and .shstrtab, which are
// then written too); its contents are stored apart from any segment.
size_t elfgen_add_section(struct elfgen *g, const char *name, uint32_t type, uint64_t flags, uint64_t addr,
			  const void *data, size_t size);

// Lay the file out into out (which the caller deinits).
void elfgen_build(struct elfgen *g, struct elfgen_buf *out);

// gzip-wrapped deflate of data into out.
void elfgen_gzip(const void *data, size_t n, int level, struct elfgen_buf *out);

// Write bytes to path; false (errno set) on I/O failure.
bool elfgen_write_bytes(const char *path, const void *data, size_t n);
bool elfgen_write(struct elfgen *g, const char *path);
bool elfgen_write_gz(struct elfgen *g, const char *path);
// Cut the file at path to size bytes.
bool elfgen_truncate(const char *path, uint64_t size);

#endif
