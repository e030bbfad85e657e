// The one place that knows libdwarf 20210528 (Debian 12) from 0.x: the few
// entry points whose signatures changed.  Everything else in src/dwarf/
// uses calls that are the same in both.
#ifndef CNR_DWARF_LIBDWARF_SHIM_H
#define CNR_DWARF_LIBDWARF_SHIM_H

#include <stddef.h>
#include <libdwarf.h>
#include <dwarf.h>

// Open path's DWARF; DW_DLV_OK, DW_DLV_NO_ENTRY (no DWARF) or DW_DLV_ERROR.
int cnr_dw_init_path(const char *path, Dwarf_Debug *dbg, Dwarf_Error *err);
void cnr_dw_finish(Dwarf_Debug dbg);
// Free a location list head (renamed dwarf_dealloc_loc_head_c in 0.x).
void cnr_dw_loc_head_dealloc(Dwarf_Loc_Head_c head);
// DW_AT_type of die as a global DIE offset (0.x added an is_info out-parameter).
int cnr_dw_dietype_offset(Dwarf_Die die, Dwarf_Off *ret, Dwarf_Error *err);
// Message of err, then free it.  Returns a static or pool-owned string.
const char *cnr_dw_errmsg(Dwarf_Debug dbg, Dwarf_Error err, char *buf, size_t len);

#endif
