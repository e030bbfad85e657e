// The executable: its loadable segments (which serve the text and rodata
// that cores omit), sections by name, and its Go build ID.
#ifndef CNR_CORE_EXE_H
#define CNR_CORE_EXE_H

#include "cnr_internal.h"
#include "core/arch.h"

#include <gelf.h>
#include <libelf.h>

struct cnr_exe_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;
};

struct cnr_exe {
	char *path;
	int fd;
	Elf *elf;
	const uint8_t *raw; // the whole file, mapped by libelf
	size_t size;
	uint16_t type;      // ET_EXEC or ET_DYN
	const struct cnr_arch *arch; // from e_machine: a supported one
	uint64_t entry;
	struct cnr_exe_segment *segments;
	size_t nsegments;
	// Go build ID: the descriptor of the "Go" note in .note.go.buildid.
	char *go_build_id;
	uint64_t go_build_id_vaddr;
	// GNU build ID (.note.gnu.build-id) in hex, or NULL.
	char *gnu_build_id;
};

// Open the ELF executable at path; free with cnr_exe_destroy().
struct cnr_error *cnr_exe_open(const char *path, struct cnr_exe **ret);
void cnr_exe_destroy(struct cnr_exe *exe);
// The build ID that identifies the executable in a pprof mapping: the GNU
// one (as runtime/pprof reads it), else the Go one; NULL if neither.
const char *cnr_exe_build_id(const struct cnr_exe *exe);

// Find section name; *data points into the mapped file (NULL for NOBITS).
// Returns false if there is no such section or it lies outside the file.
bool cnr_exe_section(struct cnr_exe *exe, const char *name, uint64_t *addr_ret, const uint8_t **data_ret,
		     uint64_t *size_ret);

#endif
