// DWARF frame and closure locations: the variables of a function that live
// in its frame at a pc (Go's CFA-relative location expressions and location
// lists), and the captured variables of a closure at their
// DW_AT_go_closure_offset.
#include "dwarf/dwarf_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool eval_frame_expr(struct cnr_dwarf *dw, Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, int64_t *ret)
{
	int64_t offset = 0, piece_start = 0;
	bool in_memory = false, have = false;
	for (Dwarf_Unsigned i = 0; i < nops; i++) {
		Dwarf_Small op;
		Dwarf_Unsigned o1, o2, o3, branch;
		Dwarf_Error e = NULL;
		int r = dwarf_get_location_op_value_c(desc, i, &op, &o1, &o2, &o3, &branch, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			return false;
		}
		switch (op) {
		case DW_OP_call_frame_cfa:
			offset = 0;
			in_memory = true;
			break;
		case DW_OP_fbreg:
			offset = (int64_t)o1;
			in_memory = true;
			break;
		case DW_OP_consts:
		case DW_OP_constu:
			if (!in_memory)
				return false;
			if (i + 1 < nops) {
				Dwarf_Small next;
				r = dwarf_get_location_op_value_c(desc, i + 1, &next, &o2, &o2, &o3, &branch, &e);
				if (r != DW_DLV_OK || (next != DW_OP_plus && next != DW_OP_minus)) {
					cnr_dwi_drop(dw, r, e);
					return false;
				}
				offset += next == DW_OP_plus ? (int64_t)o1 : -(int64_t)o1;
				i++;
			}
			break;
		case DW_OP_plus_uconst:
			if (!in_memory)
				return false;
			offset += (int64_t)o1;
			break;
		case DW_OP_piece:
			// The variable starts piece_start bytes before this piece.
			if (in_memory && !have) {
				*ret = offset - piece_start;
				have = true;
			}
			piece_start += (int64_t)o1;
			in_memory = false;
			break;
		default:
			if (op >= DW_OP_reg0 && op <= DW_OP_regx) {
				in_memory = false;
				break;
			}
			return false;
		}
	}
	if (in_memory && !have) {
		*ret = offset - piece_start;
		have = true;
	}
	return have;
}

// Where the variable die lives at pc, as a CFA offset.
static bool var_cfa_offset(struct cnr_dwarf *dw, Dwarf_Die die, uint64_t pc, int64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Error e = NULL;
	int r = dwarf_attr(die, DW_AT_location, &attr, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		return false;
	}
	Dwarf_Loc_Head_c head = NULL;
	Dwarf_Unsigned count = 0;
	bool found = false;
	r = dwarf_get_loclist_c(attr, &head, &count, &e);
	if (r != DW_DLV_OK) {
		cnr_dwi_drop(dw, r, e);
		dwarf_dealloc_attribute(attr);
		return false;
	}
	for (Dwarf_Unsigned i = 0; i < count && !found; i++) {
		Dwarf_Small lle, source;
		Dwarf_Unsigned rawlo, rawhi, nops, expr_off, desc_off;
		Dwarf_Bool unavailable;
		Dwarf_Addr lo, hi;
		Dwarf_Locdesc_c desc;
		r = dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavailable, &lo, &hi, &nops, &desc, &source,
					      &expr_off, &desc_off, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			break;
		}
		// source 0: a plain expression, valid everywhere in the function.
		if (source != 0 && (pc < lo || pc >= hi))
			continue;
		found = eval_frame_expr(dw, desc, nops, ret);
	}
	cnr_dw_loc_head_dealloc(head);
	dwarf_dealloc_attribute(attr);
	return found;
}

enum { MAX_VAR_DEPTH = 16 };

#ifndef DW_AT_go_closure_offset
#define DW_AT_go_closure_offset 0x2907
#endif

// The variables of parent in memory at pc or, if closure, the captured
// variables at their DW_AT_go_closure_offset in the closure context.
static struct cnr_error *frame_vars_in(struct cnr_dwarf *dw, Dwarf_Die parent, uint64_t pc, int depth, bool closure,
				       cnr_frame_var_fn *fn, void *arg)
{
	if (depth > MAX_VAR_DEPTH)
		return NULL;
	Dwarf_Die child;
	Dwarf_Error e = NULL;
	int r = dwarf_child(parent, &child, &e);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "read a function's variables");
	for (;;) {
		Dwarf_Half tag = 0;
		if (dwarf_tag(child, &tag, &e) != DW_DLV_OK)
			cnr_dwi_drop(dw, DW_DLV_ERROR, e);
		if (tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) {
			struct cnr_dwarf_frame_var v = {
				.name = cnr_dwi_die_name(dw, child),
				.type_offset = cnr_dwi_die_type_offset(dw, child),
				.is_param = tag == DW_TAG_formal_parameter,
			};
			uint64_t off;
			if (closure && cnr_dwi_attr_udata(dw, child, DW_AT_go_closure_offset, &off) && off < INT32_MAX) {
				v.cfa_offset = (int64_t)off;
				fn(arg, &v);
			} else if (!closure && v.name) {
				v.unlocated = !var_cfa_offset(dw, child, pc, &v.cfa_offset);
				fn(arg, &v);
			}
		} else if (tag == DW_TAG_lexical_block) {
			struct cnr_error *err = frame_vars_in(dw, child, pc, depth + 1, closure, fn, arg);
			if (err) {
				dwarf_dealloc_die(child);
				return err;
			}
		}
		Dwarf_Die sib;
		r = dwarf_siblingof_b(dw->dbg, child, 1, &sib, &e);
		dwarf_dealloc_die(child);
		if (r == DW_DLV_NO_ENTRY)
			return NULL;
		if (r != DW_DLV_OK)
			return cnr_dwi_error(dw, e, "read a function's variables");
		child = sib;
	}
}

// The variables of function f (see frame_vars_in).
static struct cnr_error *func_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, uint64_t pc, bool closure,
				   cnr_frame_var_fn *fn, void *arg)
{
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(dw->dbg, f->die, 1, &die, &e);
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "find a function's DIE");
	struct cnr_error *err = frame_vars_in(dw, die, pc, 0, closure, fn, arg);
	dwarf_dealloc_die(die);
	return err;
}

struct cnr_error *cnr_dwarf_frame_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, uint64_t pc,
				       cnr_frame_var_fn *fn, void *arg)
{
	return func_vars(dw, f, pc, false, fn, arg);
}

struct cnr_error *cnr_dwarf_closure_vars(struct cnr_dwarf *dw, const struct cnr_dwarf_func *f, cnr_frame_var_fn *fn,
					 void *arg)
{
	return func_vars(dw, f, 0, true, fn, arg);
}

