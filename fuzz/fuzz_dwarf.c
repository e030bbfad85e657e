// libFuzzer target: the DWARF index (types and layouts, globals,
// constants, functions by pc, frame and closure variables, line tables)
// over an executable given as the input, written to a memory file and
// opened by path as libdwarf opens a user's executable.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dwarf/dwarf_index.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_var(void *arg, const struct cnr_dwarf_frame_var *var)
{
	(*(size_t *)arg)++;
	(void)var;
}

// The lookups the runtime model makes, on whatever the index holds.
static void exercise(struct cnr_dwarf *dw)
{
	static const char *const types[] = { "runtime.g", "runtime.mspan", "runtime.mheap", "runtime.hmap",
					     "runtime.moduledata", "runtime._type", "internal/abi.Type" };
	uint64_t off;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_by_name(dw, types[i]);
		if (t) {
			cnr_dwarf_type_size(dw, t);
			for (const struct cnr_dwarf_field *f = cnr_dwarf_fields(dw, t); f && f < cnr_dwarf_fields(dw, t) + t->nfields; f++)
				(void)f->name;
			char path[256];
			cnr_dwarf_field_path(dw, t, t->size / 2, path, sizeof(path));
		}
	}
	cnr_error_destroy(cnr_dwarf_offsetof(dw, "runtime.g", "sched.sp", &off));
	cnr_error_destroy(cnr_dwarf_offsetof(dw, "runtime.moduledata", "pcHeader", &off));
	int64_t c;
	cnr_dwarf_constant(dw, "runtime._Gwaiting", &c);
	size_t ntypes = cnr_dwarf_num_types(dw);
	for (size_t i = 0; i < ntypes && i < 4096; i++) {
		const struct cnr_dwarf_type *t = cnr_dwarf_type_nth(dw, i);
		const struct cnr_dwarf_type *s = cnr_dwarf_type_strip(dw, t);
		if (s) {
			char path[256];
			cnr_dwarf_field_path(dw, s, 8, path, sizeof(path));
			cnr_dwarf_type_at(dw, s->type_offset);
		}
	}
	size_t nglobals = cnr_dwarf_num_globals(dw);
	for (size_t i = 0; i < nglobals && i < 4096; i++) {
		const struct cnr_dwarf_var *v = cnr_dwarf_global_at(dw, i);
		cnr_dwarf_global(dw, v->name);
		cnr_dwarf_func_at(dw, v->addr);
	}
	// Functions: a few spread over the address space, each with its
	// variables and line.
	const struct cnr_dwarf_var *md = cnr_dwarf_global(dw, "runtime.firstmoduledata");
	uint64_t pcs[] = { 0x401000, 0x402000, 0x410000, 0x440000, 0x460000, 0x480000, md ? md->addr : 0x1000 };
	for (size_t i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		const struct cnr_dwarf_func *f = cnr_dwarf_func_at(dw, pcs[i]);
		if (!f)
			continue;
		size_t n = 0;
		cnr_error_destroy(cnr_dwarf_frame_vars(dw, f, pcs[i], on_var, &n));
		cnr_error_destroy(cnr_dwarf_closure_vars(dw, f, on_var, &n));
		const char *file;
		int line;
		cnr_error_destroy(cnr_dwarf_line_at(dw, pcs[i], &file, &line));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static struct cnr_ctx *ctx;
	if (fd < 0) {
		fd = memfd_create("fuzz-dwarf", 0);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ctx = fuzz_quiet_ctx();
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct cnr_dwarf *dw;
	struct cnr_error *err = cnr_dwarf_open(path, ctx, &dw);
	if (err) {
		cnr_error_destroy(err);
		return 0;
	}
	exercise(dw);
	cnr_dwarf_destroy(dw);
	return 0;
}
