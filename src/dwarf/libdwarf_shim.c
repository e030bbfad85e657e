#include "dwarf/libdwarf_shim.h"

#include <stdio.h>

int cnr_dw_init_path(const char *path, Dwarf_Debug *dbg, Dwarf_Error *err)
{
#ifdef DW_LIBDWARF_VERSION_MAJOR
	return dwarf_init_path(path, NULL, 0, DW_GROUPNUMBER_ANY, NULL, NULL, dbg, err);
#else
	return dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, dbg, NULL, 0, NULL,
			       err);
#endif
}

void cnr_dw_finish(Dwarf_Debug dbg)
{
	if (!dbg)
		return;
#ifdef DW_LIBDWARF_VERSION_MAJOR
	dwarf_finish(dbg);
#else
	Dwarf_Error err = NULL;
	dwarf_finish(dbg, &err);
#endif
}

void cnr_dw_loc_head_dealloc(Dwarf_Loc_Head_c head)
{
#ifdef DW_LIBDWARF_VERSION_MAJOR
	dwarf_dealloc_loc_head_c(head);
#else
	dwarf_loc_head_c_dealloc(head);
#endif
}

int cnr_dw_dietype_offset(Dwarf_Die die, Dwarf_Off *ret, Dwarf_Error *err)
{
#ifdef DW_LIBDWARF_VERSION_MAJOR
	Dwarf_Bool is_info;
	return dwarf_dietype_offset(die, ret, &is_info, err);
#else
	return dwarf_dietype_offset(die, ret, err);
#endif
}

const char *cnr_dw_errmsg(Dwarf_Debug dbg, Dwarf_Error err, char *buf, size_t len)
{
	if (!err) {
		snprintf(buf, len, "unknown libdwarf error");
		return buf;
	}
	snprintf(buf, len, "%s", dwarf_errmsg(err));
	dwarf_dealloc(dbg, err, DW_DLA_ERROR);
	return buf;
}
