// The Go runtime's own symbol table (pclntab), decoded as runtime/symtab.go
// does: pc -> function, pcvalue tables (sp delta, file, line, pcdata),
// funcdata, and the inline tree.  It is what the runtime unwinds with, so
// coroner unwinds with it too.
#ifndef CNR_GORUNTIME_PCLNTAB_H
#define CNR_GORUNTIME_PCLNTAB_H

#include "goruntime/layout.h"

struct cnr_program;

// FUNCDATA_* and PCDATA_* (runtime/symtab.go 1.19; internal/abi/symtab.go 1.21+).
enum {
	CNR_PCDATA_UNSAFE_POINT = 0,
	CNR_PCDATA_STACK_MAP_INDEX = 1,
	CNR_PCDATA_INL_TREE_INDEX = 2,
	CNR_FUNCDATA_ARGS_POINTER_MAPS = 0,
	CNR_FUNCDATA_LOCALS_POINTER_MAPS = 1,
	CNR_FUNCDATA_STACK_OBJECTS = 2,
	CNR_FUNCDATA_INL_TREE = 3,
	CNR_FUNC_FLAG_TOP_FRAME = 1,
	CNR_FUNC_FLAG_SPWRITE = 2,
};

// One decoded _func.
struct cnr_func {
	uint64_t entry;      // absolute pc
	uint64_t off;        // offset of the _func in pclntable
	const char *name;    // in the funcnametab copy
	int32_t args;
	uint32_t pcsp, pcfile, pcln, npcdata, cuoffset;
	uint8_t funcid, flag, nfuncdata;
};

// One frame of a symbolized pc, physical or inlined.
struct cnr_source_frame {
	const char *function;
	const char *file;
	int32_t line;
	bool inlined;
};

struct cnr_pclntab;

struct cnr_error *cnr_pclntab_load(struct cnr_program *prog, const struct cnr_rt_layout *l,
				   struct cnr_pclntab **ret);
void cnr_pclntab_destroy(struct cnr_pclntab *tab);

// The function containing pc; false if none.
bool cnr_pclntab_find(struct cnr_pclntab *tab, uint64_t pc, struct cnr_func *ret);
// Value of the pcvalue table at table_off (an offset into pctab) for
// targetpc.  CORRUPT if the table runs off its end.
struct cnr_error *cnr_pclntab_pcvalue(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t table_off,
				      uint64_t targetpc, int32_t *ret);
// PCDATA_* value at pc; -1 where the function has no such table.
struct cnr_error *cnr_pclntab_pcdata(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t idx,
				     uint64_t pc, int32_t *ret);
// Absolute address of FUNCDATA idx, 0 if absent.
struct cnr_error *cnr_pclntab_funcdata(struct cnr_pclntab *tab, const struct cnr_func *f, uint32_t idx,
				       uint64_t *ret);
// Source frames at pc (innermost inlined call first, the physical function
// last), at most max.  *n_ret receives the count.
struct cnr_error *cnr_pclntab_source_frames(struct cnr_pclntab *tab, const struct cnr_func *f, uint64_t pc,
					    struct cnr_source_frame *frames, size_t max, size_t *n_ret);

#endif
