// An ELF core file: its PT_LOAD segments and the notes that describe the
// process (threads and registers, mapped files, auxv, signal, command).
// Parsed by hand over a cnr_file_image so that mapped and gzip-inflated
// cores go through one bounds-checked parser.
#ifndef CNR_CORE_ELF_CORE_H
#define CNR_CORE_ELF_CORE_H

#include "cnr_internal.h"
#include "core/arch.h"
#include "core/file_image.h"
#include "util/string_pool.h"

struct cnr_core_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;        // bytes actually present in the file
	uint64_t filesz_header; // p_filesz as the header claims
	uint32_t flags;         // PF_R | PF_W | PF_X
};

struct cnr_core_thread {
	int tid;
	int cursig;
	uint64_t regs[CNR_MAX_REGS]; // pr_reg, indexed as the core's arch->reg_names
};

// One NT_FILE entry: [start, end) maps path at file_offset (bytes).
struct cnr_core_mapped_file {
	uint64_t start, end;
	uint64_t file_offset;
	const char *path;
};

struct cnr_core {
	struct cnr_file_image image;
	const char *path;
	const struct cnr_arch *arch;       // from e_machine
	struct cnr_core_segment *segments; // sorted by vaddr, non-overlapping
	size_t nsegments;
	struct cnr_core_thread *threads;   // in note order; the first is the one that dumped
	size_t nthreads;
	struct cnr_core_mapped_file *files;
	size_t nfiles;
	uint64_t *auxv;                    // (type, value) pairs
	size_t nauxv;
	bool has_siginfo;
	int siginfo_signo, siginfo_code;
	uint64_t siginfo_addr;
	bool has_prpsinfo;
	int pid;
	const char *fname;  // pr_fname
	const char *psargs; // pr_psargs
	bool truncated;     // some segment or note lies past the end of the file
	uint64_t missing_file_bytes;
	// Some PT_NOTE lies (partly) past the end of the file, as when a gcore
	// core (notes last) is cut: the notes it held are lost, and without
	// NT_PRSTATUS the threads are unknown (nthreads 0).
	bool notes_truncated;
	struct cnr_string_pool strings;
};

// Open and parse the core at path (plain or gzip).
// ret is freed with cnr_core_destroy().
struct cnr_error *cnr_core_open(const char *path, struct cnr_core **ret);
// Parse an already-built image (takes ownership of *img, even on error).
struct cnr_error *cnr_core_from_image(struct cnr_file_image *img, const char *path,
				      struct cnr_core **ret);
void cnr_core_destroy(struct cnr_core *core);

// AT_* value from NT_AUXV; false if absent.
bool cnr_core_auxv(const struct cnr_core *core, uint64_t type, uint64_t *ret);

#endif
