// A Go program as the core captured it: the core, its executable, the
// executable's DWARF, one memory reader over both, and the Go version
// that selects the per-version behaviours.
#ifndef CNR_GORUNTIME_PROGRAM_H
#define CNR_GORUNTIME_PROGRAM_H

#include "core/elf_core.h"
#include "core/exe.h"
#include "core/memory.h"
#include "dwarf/dwarf_index.h"
#include "goruntime/versions.h"

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
};

// Read a Go string header (ptr, len) at addr; *ret is malloc'ed and NUL
// terminated.  Strings longer than max_len are CORRUPT.
struct cnr_error *cnr_program_read_go_string(struct cnr_program *prog, uint64_t addr, size_t max_len,
					     char **ret);

#endif
