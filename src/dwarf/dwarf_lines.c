// DWARF line tables: a CU's line program read on first use (the file
// table read by hand), then pc -> file:line by binary search.
#include "dwarf/dwarf_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/search.h"

static int cmp_row(const void *a, const void *b)
{
	const struct line_row *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	// At one address an end of sequence comes before the next sequence's
	// first row, so a lookup finds the row that starts there.
	bool ex = x->file == UINT32_MAX, ey = y->file == UINT32_MAX;
	return ex == ey ? 0 : ex ? -1 : 1;
}

// The file table of a line program, as full paths.  We read it ourselves:
// libdwarf 20210528's dwarf_linesrc() is off by one on DWARF 5 tables.
static struct cnr_error *read_file_table(struct cnr_dwarf *dw, Dwarf_Line_Context lctx, struct str_vector *files)
{
	Dwarf_Signed base, count, end;
	Dwarf_Error e = NULL;
	if (dwarf_srclines_files_indexes(lctx, &base, &count, &end, &e) != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "read a line table's file indexes");
	for (Dwarf_Signed i = base; i < end; i++) {
		const char *name = NULL, *dir = NULL;
		Dwarf_Unsigned dir_index, mtime, length;
		Dwarf_Form_Data16 *md5;
		int r = dwarf_srclines_files_data_b(lctx, i, &name, &dir_index, &mtime, &length, &md5, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			name = "?";
			dir_index = 0;
		}
		// Directory 0 is the compile directory (DWARF 4: absent; DWARF 5:
		// "."); Go writes absolute directories for the rest.
		r = dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)dir_index, &dir, &e);
		if (r != DW_DLV_OK) {
			cnr_dwi_drop(dw, r, e);
			dir = NULL;
		}
		char *full = NULL;
		const char *copy;
		if (name[0] != '/' && dir && strcmp(dir, ".") != 0 && asprintf(&full, "%s/%s", dir, name) < 0)
			return &cnr_enomem;
		copy = full ? cnr_string_pool_add(&dw->strings, full, strlen(full))
			    : cnr_string_pool_add(&dw->strings, name, strlen(name));
		free(full);
		if (!copy || !str_vector_push(files, copy))
			return &cnr_enomem;
	}
	return NULL;
}

static struct cnr_error *load_lines(struct cnr_dwarf *dw, struct cnr_dwarf_cu *cu)
{
	cu->lines_loaded = true;
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	int r = dwarf_offdie_b(dw->dbg, cu->offset, 1, &die, &e);
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "find a compile unit");
	Dwarf_Unsigned lversion;
	Dwarf_Small table_count;
	Dwarf_Line_Context lctx;
	r = dwarf_srclines_b(die, &lversion, &table_count, &lctx, &e);
	dwarf_dealloc_die(die);
	if (r == DW_DLV_NO_ENTRY)
		return NULL;
	if (r != DW_DLV_OK)
		return cnr_dwi_error(dw, e, "read a line table");
	Dwarf_Line *lines;
	Dwarf_Signed n;
	r = dwarf_srclines_from_linecontext(lctx, &lines, &n, &e);
	if (r != DW_DLV_OK) {
		dwarf_srclines_dealloc_b(lctx);
		return cnr_dwi_error(dw, e, "read a line table");
	}
	struct row_vector rows = { 0 };
	struct str_vector files = { 0 };
	struct cnr_error *err = read_file_table(dw, lctx, &files);
	Dwarf_Signed base = 0, count = 0, end = 0;
	if (!err && dwarf_srclines_files_indexes(lctx, &base, &count, &end, &e) != DW_DLV_OK)
		err = cnr_dwi_error(dw, e, "read a line table's file indexes");
	for (Dwarf_Signed i = 0; i < n && !err; i++) {
		Dwarf_Addr addr;
		Dwarf_Unsigned lineno, fileno;
		Dwarf_Bool endseq = 0;
		if (dwarf_lineaddr(lines[i], &addr, &e) != DW_DLV_OK ||
		    dwarf_lineno(lines[i], &lineno, &e) != DW_DLV_OK ||
		    dwarf_line_srcfileno(lines[i], &fileno, &e) != DW_DLV_OK ||
		    dwarf_lineendsequence(lines[i], &endseq, &e) != DW_DLV_OK) {
			err = cnr_dwi_error(dw, e, "read a line table row");
			break;
		}
		struct line_row row = { .addr = addr, .line = (uint32_t)lineno, .file = UINT32_MAX };
		// DWARF 5 §6.2.2: the file register starts at 1, but libdwarf
		// 20210528 starts it at 0 for version 5 tables.  Go never emits
		// file 0 (it is the "?" placeholder), so 0 means "not set yet".
		if (lversion >= 5 && fileno == 0)
			fileno = 1;
		if (!endseq) {
			// Row file numbers index the file table directly: from 1 in
			// DWARF 2-4, from 0 in DWARF 5 (base says which).
			if ((Dwarf_Signed)fileno < base || (Dwarf_Signed)fileno - base >= (Dwarf_Signed)files.size)
				continue; // a row naming no file: skip it, keep the rest
			row.file = (uint32_t)((Dwarf_Signed)fileno - base);
		}
		if (!row_vector_push(&rows, row))
			err = &cnr_enomem;
	}
	dwarf_srclines_dealloc_b(lctx);
	if (err) {
		row_vector_deinit(&rows);
		str_vector_deinit(&files);
		return err;
	}
	if (rows.size)
		qsort(rows.data, rows.size, sizeof(*rows.data), cmp_row);
	cu->rows = rows.data;
	cu->nrows = rows.size;
	cu->files = files.data;
	cu->nfiles = files.size;
	return NULL;
}

struct cnr_error *cnr_dwarf_line_at(struct cnr_dwarf *dw, uint64_t pc, const char **file_ret, int *line_ret)
{
	const struct cnr_dwarf_func *f = cnr_dwarf_func_at(dw, pc);
	if (!f)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no function at pc 0x%" PRIx64, pc);
	struct cnr_dwarf_cu *cu = &dw->cus.data[f->cu];
	if (!cu->lines_loaded) {
		struct cnr_error *err = load_lines(dw, cu);
		if (err)
			return err;
	}
	size_t lo = CNR_PARTITION_POINT(cu->nrows, mid, cu->rows[mid].addr <= pc);
	if (lo == 0 || cu->rows[lo - 1].file == UINT32_MAX)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no line for pc 0x%" PRIx64, pc);
	*file_ret = cu->files[cu->rows[lo - 1].file];
	*line_ret = (int)cu->rows[lo - 1].line;
	return NULL;
}

// Go's frame locations (cmd/compile/internal/dwarfgen): DW_OP_call_frame_cfa
// [DW_OP_consts N DW_OP_plus], or DW_OP_fbreg N with frame base = CFA, maybe
// split into DW_OP_piece parts of which some live in registers.  Returns
