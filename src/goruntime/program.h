// A Go program as the core captured it: the core, its executable, the
// executable's DWARF, one memory reader over both, and the Go version
// that selects the per-version behaviours.
#ifndef CNR_GORUNTIME_PROGRAM_H
#define CNR_GORUNTIME_PROGRAM_H

#include "core/elf_core.h"
#include "core/exe.h"
#include "core/memory.h"
#include "dwarf/dwarf_index.h"
#include "goruntime/layout.h"
#include "goruntime/versions.h"

struct cnr_pclntab;

struct cnr_program {
	struct cnr_ctx *ctx;
	struct cnr_core *core;
	struct cnr_exe *exe;
	struct cnr_dwarf *dwarf; // NULL if the executable has no DWARF
	struct cnr_memory mem;
	uint64_t bias;           // load bias of a PIE executable, else 0
	const char *exe_path_in_core;
	char *go_version_text;
	struct cnr_go_version go_version;
	const struct cnr_go_ops *ops;
	int build_id;            // enum in struct cnr_program_info
	char *build_id_core;
	// A verified rebuild of the executable that ran (goruntime/rebuild.c):
	// its globals were moved by this many bytes to match the core.
	bool rebuild;
	int64_t rebuild_data_delta;
	// When the rebuild's read-only data sits elsewhere (Go 1.27 puts the
	// build settings, -ldflags included, in .rodata): the stripped binary
	// that ran, whose read-only bytes the memory serves, and how far the
	// rebuild's read-only data after the build settings moved; else NULL, 0.
	struct cnr_exe *original;
	int64_t rebuild_ro_delta;
	char *stripped_advice;   // what to do about an executable without DWARF
	// The runtime model, loaded on first use by cnr_program_load_runtime().
	bool runtime_loaded;
	struct cnr_rt_layout layout;
	struct cnr_pclntab *pclntab;
	// The kinds of roots cnr_roots_read returns: bit (1 << enum
	// cnr_root_kind, goruntime/roots.h); all of them after opening.
	uint32_t root_kinds;
};

// Resolve the runtime layouts from DWARF and load the pclntab, once.
struct cnr_error *cnr_program_load_runtime(struct cnr_program *prog);

// A DWARF global's runtime address (load bias applied); NOT_FOUND or
// MISSING_DEBUG_INFO naming it.
struct cnr_error *cnr_program_global(struct cnr_program *prog, const char *name, uint64_t *addr_ret,
				     const struct cnr_dwarf_var **var_ret);
// A DWARF constant (e.g. runtime._Gwaiting), required.
struct cnr_error *cnr_program_constant(struct cnr_program *prog, const char *name, int64_t *ret);

// Read a Go string header (ptr, len) at addr; *ret is malloc'ed and NUL
// terminated.  Strings longer than max_len are CORRUPT.
struct cnr_error *cnr_program_read_go_string(struct cnr_program *prog, uint64_t addr, size_t max_len,
					     char **ret);

#endif
