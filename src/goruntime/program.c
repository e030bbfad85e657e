#include "goruntime/program.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "goruntime/pclntab.h"
#include "goruntime/rebuild.h"
#include "util/cleanup.h"

enum { MAX_VERSION_LEN = 256 };

// The main executable's path as the core records it: the NT_FILE mapping
// that holds the entry point (AT_ENTRY), else the first file mapped.
static const char *exe_path_from_core(const struct cnr_core *core)
{
	uint64_t entry;
	if (cnr_core_auxv(core, AT_ENTRY, &entry)) {
		for (size_t i = 0; i < core->nfiles; i++) {
			if (entry >= core->files[i].start && entry < core->files[i].end)
				return core->files[i].path;
		}
	}
	return core->nfiles ? core->files[0].path : NULL;
}

struct cnr_error *cnr_program_read_go_string(struct cnr_program *prog, uint64_t addr, size_t max_len, char **ret)
{
	uint64_t hdr[2];
	struct cnr_error *err = cnr_memory_read(&prog->mem, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	if (hdr[1] > max_len)
		return cnr_error_corrupt("string at 0x%" PRIx64 " claims length %" PRIu64 " (limit %zu)", addr,
					 hdr[1], max_len);
	char *s = malloc(hdr[1] + 1);
	if (!s)
		return &cnr_enomem;
	err = cnr_memory_read(&prog->mem, hdr[0], s, hdr[1]);
	if (err) {
		free(s);
		return err;
	}
	s[hdr[1]] = '\0';
	*ret = s;
	return NULL;
}

// String n (0: the Go version, 1: the module info) of the executable's
// .go.buildinfo, for binaries without DWARF: 32-byte header, magic "\xff Go
// buildinf:", flags bit 1 = inline varint-prefixed strings
// (debug/buildinfo/buildinfo.go: readRawBuildInfo).
static char *buildinfo_string(struct cnr_exe *exe, int n, size_t max_len)
{
	uint64_t addr, size;
	const uint8_t *d;
	if (!cnr_exe_section(exe, ".go.buildinfo", &addr, &d, &size) || !d || size < 33)
		return NULL;
	if (memcmp(d, "\xff Go buildinf:", 14) != 0 || !(d[15] & 2))
		return NULL;
	size_t pos = 32;
	for (int i = 0;; i++) {
		uint64_t len = 0;
		for (int shift = 0; pos < size && shift < 63; shift += 7) {
			uint8_t b = d[pos++];
			len |= (uint64_t)(b & 0x7f) << shift;
			if (!(b & 0x80))
				break;
		}
		if (len == 0 || len > max_len || len > size - pos)
			return NULL;
		if (i == n)
			return strndup((const char *)d + pos, len);
		pos += len;
	}
}

static char *version_from_buildinfo(struct cnr_exe *exe)
{
	return buildinfo_string(exe, 0, MAX_VERSION_LEN);
}

// What to do about an executable without DWARF, said when it matters:
// rebuild it as it was built, without -s -w (its build settings say how
// it was linked, runtime/debug.BuildInfo "build -ldflags=...").
static char *stripped_advice(struct cnr_program *prog)
{
	char *modinfo = buildinfo_string(prog->exe, 1, 1 << 20), *ldflags = NULL;
	for (char *line = modinfo; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "build\t-ldflags=", 15) == 0) {
			ldflags = line + 15;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	char *ret = NULL;
	if (asprintf(&ret,
		     "rebuild the same source with the same toolchain (%s) and the same flags but without -s -w%s%s%s, "
		     "and pass that executable with --exe (coroner checks it against the core)",
		     prog->go_version_text ? prog->go_version_text : "the same Go release",
		     ldflags ? " (this one was linked with -ldflags=" : "", ldflags ? ldflags : "", ldflags ? ")" : "") < 0)
		ret = NULL;
	free(modinfo);
	return ret;
}

// Compare the executable's Go build ID with the bytes the process had at
// the same address.  Kernel cores keep only the first page of text, so the
// note may be cut: a matching prefix of at least 16 bytes counts.
static struct cnr_error *check_build_id(struct cnr_program *prog)
{
	struct cnr_exe *exe = prog->exe;
	prog->build_id = CNR_BUILD_ID_UNKNOWN;
	if (!exe->go_build_id)
		return NULL;
	size_t n = strlen(exe->go_build_id), got = 0;
	char *buf = calloc(1, n + 1);
	if (!buf)
		return &cnr_enomem;
	while (got < n) {
		struct cnr_error *err =
			cnr_memory_read_core_only(&prog->mem, exe->go_build_id_vaddr + prog->bias + got, buf + got, 1);
		if (err) {
			cnr_error_destroy(err);
			break;
		}
		got++;
	}
	buf[got] = '\0';
	if (got < 16 && got < n) {
		free(buf);
		return NULL;
	}
	prog->build_id_core = buf;
	prog->build_id = memcmp(buf, exe->go_build_id, got) == 0 ? CNR_BUILD_ID_MATCH : CNR_BUILD_ID_MISMATCH;
	// A Go build ID is printable ASCII; whatever else the core holds there
	// is shown as '?' (errors are one line, with no control bytes).
	for (size_t i = 0; i < got; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
	return NULL;
}

static struct cnr_error *read_go_version(struct cnr_program *prog, bool force)
{
	struct cnr_error *err = NULL;
	const struct cnr_dwarf_var *v = prog->dwarf ? cnr_dwarf_global(prog->dwarf, "runtime.buildVersion") : NULL;
	if (v) {
		err = cnr_program_read_go_string(prog, v->addr + prog->bias, MAX_VERSION_LEN, &prog->go_version_text);
		if (err)
			return cnr_error_wrap(err, "cannot read 'runtime.buildVersion'");
	} else {
		prog->go_version_text = version_from_buildinfo(prog->exe);
		if (!prog->go_version_text)
			return cnr_error_create(CNR_ERROR_FORMAT,
						"'%s' is not a Go program: no 'runtime.buildVersion' in its DWARF "
						"and no .go.buildinfo section",
						prog->exe->path);
	}
	if (!cnr_go_version_parse(prog->go_version_text, &prog->go_version))
		return cnr_error_corrupt("'runtime.buildVersion' holds '%.64s', not a Go version",
					 prog->go_version_text);
	err = cnr_go_ops_for(&prog->go_version, prog->go_version_text, force, &prog->ops);
	if (err)
		return err;
	if (force && (prog->go_version.minor < cnr_go_min_minor || prog->go_version.minor > cnr_go_max_minor))
		cnr_warn(prog->ctx, "Go version '%s' is outside the supported range go1.%u to go1.%u; "
			 "reading it as go1.%u (--force)",
			 prog->go_version_text, cnr_go_min_minor, cnr_go_max_minor, prog->ops->minor);
	return NULL;
}

// The pclntab header's magic must be the one of the version we chose; if
// not, the executable and the version string disagree.
static void check_pclntab_magic(struct cnr_program *prog)
{
	const struct cnr_dwarf_var *md = cnr_dwarf_global(prog->dwarf, "runtime.firstmoduledata");
	uint64_t off, hdr;
	uint32_t magic;
	struct cnr_error *err = NULL;
	if (!md)
		return;
	err = cnr_dwarf_offsetof(prog->dwarf, "runtime.moduledata", "pcHeader", &off);
	if (!err)
		err = cnr_memory_read_u64(&prog->mem, md->addr + prog->bias + off, &hdr);
	if (!err)
		err = cnr_memory_read(&prog->mem, hdr, &magic, sizeof(magic));
	if (err) {
		cnr_warn_error(prog->ctx, cnr_error_wrap(err, "cannot check the pclntab header"));
		return;
	}
	if (magic != prog->ops->pclntab_magic)
		cnr_warn(prog->ctx, "pclntab magic 0x%08x at 0x%" PRIx64 " is not that of go1.%u (0x%08x)", magic, hdr,
			 prog->ops->minor, prog->ops->pclntab_magic);
}

CNR_PUBLIC struct cnr_error *cnr_program_open(struct cnr_ctx *ctx, const char *core_path, const char *exe_path,
					      unsigned flags, struct cnr_program **ret)
{
	bool force = flags & CNR_OPEN_FORCE;
	struct cnr_program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return &cnr_enomem;
	prog->ctx = ctx;
	prog->root_kinds = UINT32_MAX;
	struct cnr_error *err = cnr_core_open(core_path, &prog->core);
	if (err)
		goto fail;
	struct cnr_core *core = prog->core;
	if (core->image.stream_truncated)
		cnr_warn(ctx, "%s stream of '%s' ends early: the core is incomplete (%" PRIu64
			 " bytes decompressed)", core->image.compression, core_path, core->image.size);
	if (core->truncated)
		cnr_warn(ctx, "core '%s' is truncated: %" PRIu64 " bytes of its segments are missing", core_path,
			 core->missing_file_bytes);
	if (core->notes_truncated)
		cnr_warn(ctx, "core '%s' lost %s notes to the truncation: %s", core_path,
			 core->nthreads ? "some of its" : "its",
			 core->nthreads ? "some threads may be unknown"
					: "threads and registers unknown, goroutines read from runtime.allgs alone");

	prog->exe_path_in_core = exe_path_from_core(core);
	if (!exe_path) {
		exe_path = prog->exe_path_in_core;
		struct stat st;
		if (!exe_path) {
			err = cnr_error_create(CNR_ERROR_INVALID,
					       "core '%s' records no executable path; pass the executable", core_path);
			goto fail;
		}
		if (stat(exe_path, &st) != 0) {
			err = cnr_error_create(CNR_ERROR_NOT_FOUND,
					       "executable '%s' recorded in core '%s' does not exist here; "
					       "pass it with --exe PATH",
					       exe_path, core_path);
			goto fail;
		}
	}
	err = cnr_exe_open(exe_path, &prog->exe);
	if (err)
		goto fail;
	if (prog->exe->arch != core->arch) {
		err = cnr_error_create(CNR_ERROR_MISMATCH,
				       "executable '%s' is a linux/%s program but core '%s' is from linux/%s", exe_path,
				       prog->exe->arch->goarch, core_path, core->arch->goarch);
		goto fail;
	}

	uint64_t entry;
	if (cnr_core_auxv(core, AT_ENTRY, &entry)) {
		if (prog->exe->type == ET_DYN)
			prog->bias = entry - prog->exe->entry;
		else if (entry != prog->exe->entry && !force) {
			err = cnr_error_create(CNR_ERROR_MISMATCH,
					       "executable '%s' does not match core '%s': entry point 0x%" PRIx64
					       " in the executable, 0x%" PRIx64 " in the core (--force uses it anyway)",
					       exe_path, core_path, prog->exe->entry, entry);
			goto fail;
		}
	}
	err = cnr_memory_init(&prog->mem, core, prog->exe, prog->bias);
	if (err)
		goto fail;
	err = check_build_id(prog);
	if (err)
		goto fail;
	struct cnr_error *no_dwarf = NULL;
	err = cnr_dwarf_open(exe_path, ctx, &prog->dwarf);
	if (err) {
		if (cnr_error_code(err) != CNR_ERROR_MISSING_DEBUG_INFO)
			goto fail;
		no_dwarf = err;
		err = NULL;
	}
	if (prog->build_id == CNR_BUILD_ID_MISMATCH) {
		// A rebuild of a stripped binary differs in its build ID only.
		struct cnr_error *why = cnr_rebuild_verify(prog);
		if (why && cnr_error_code(why) == CNR_ERROR_NO_MEMORY) {
			err = why;
			cnr_error_destroy(no_dwarf);
			goto fail;
		}
		prog->rebuild = !why;
		if (why && !force) {
			err = cnr_error_create(CNR_ERROR_MISMATCH,
					       "executable '%s' does not match core '%s': Go build ID '%s' in the "
					       "executable, '%s' in the core, and it is not a rebuild of the same "
					       "program: %s (--force uses it anyway)",
					       exe_path, core_path, prog->exe->go_build_id, prog->build_id_core,
					       cnr_error_message(why));
			cnr_error_destroy(why);
			cnr_error_destroy(no_dwarf);
			goto fail;
		}
		if (why)
			cnr_warn(ctx, "executable '%s' does not match core '%s' (Go build ID differs); results may be wrong",
				 exe_path, core_path);
		cnr_error_destroy(why);
	}
	err = read_go_version(prog, force);
	if (err) {
		cnr_error_destroy(no_dwarf);
		goto fail;
	}
	// Without DWARF coroner can still say what the core is; said once we
	// know it is a Go program at all, with what to do about it.
	if (no_dwarf) {
		prog->stripped_advice = stripped_advice(prog);
		cnr_warn(ctx, "%s; for more than 'info', %s", cnr_error_message(no_dwarf),
			 prog->stripped_advice ? prog->stripped_advice : "rebuild it without -s -w and pass it with --exe");
		cnr_error_destroy(no_dwarf);
	}
	if (prog->dwarf)
		check_pclntab_magic(prog);
	*ret = prog;
	return NULL;
fail:
	cnr_program_destroy(prog);
	return err;
}

struct cnr_error *cnr_program_load_runtime(struct cnr_program *prog)
{
	if (prog->runtime_loaded)
		return NULL;
	if (!prog->dwarf)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO,
					"executable '%s' has no DWARF (linked with -ldflags=\"-s -w\"?): coroner needs it "
					"to read the Go runtime; %s",
					prog->exe->path,
					prog->stripped_advice ? prog->stripped_advice
							      : "rebuild it without -s -w and pass it with --exe");
	struct cnr_error *err = cnr_rt_layout_init(&prog->layout, prog->dwarf);
	if (!err)
		err = cnr_pclntab_load(prog, &prog->layout, &prog->pclntab);
	if (err)
		return err;
	prog->runtime_loaded = true;
	return NULL;
}

struct cnr_error *cnr_program_global(struct cnr_program *prog, const char *name, uint64_t *addr_ret,
				     const struct cnr_dwarf_var **var_ret)
{
	const struct cnr_dwarf_var *v = prog->dwarf ? cnr_dwarf_global(prog->dwarf, name) : NULL;
	if (!v)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no global '%s' in the DWARF of '%s'", name,
					prog->exe->path);
	*addr_ret = v->addr + prog->bias;
	if (var_ret)
		*var_ret = v;
	return NULL;
}

struct cnr_error *cnr_program_constant(struct cnr_program *prog, const char *name, int64_t *ret)
{
	if (!prog->dwarf || !cnr_dwarf_constant(prog->dwarf, name, ret))
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no constant '%s' in the DWARF of '%s'", name,
					prog->exe->path);
	return NULL;
}

CNR_PUBLIC void cnr_program_destroy(struct cnr_program *prog)
{
	if (!prog)
		return;
	cnr_pclntab_destroy(prog->pclntab);
	cnr_dwarf_destroy(prog->dwarf);
	cnr_memory_deinit(&prog->mem);
	cnr_exe_destroy(prog->original);
	cnr_exe_destroy(prog->exe);
	cnr_core_destroy(prog->core);
	free(prog->go_version_text);
	free(prog->build_id_core);
	free(prog->stripped_advice);
	free(prog);
}

CNR_PUBLIC struct cnr_error *cnr_program_read(struct cnr_program *prog, uint64_t addr, void *buf, size_t n)
{
	return cnr_memory_read(&prog->mem, addr, buf, n);
}

CNR_PUBLIC void cnr_program_get_info(struct cnr_program *prog, struct cnr_program_info *ret)
{
	const struct cnr_core *core = prog->core;
	memset(ret, 0, sizeof(*ret));
	ret->go_version = prog->go_version_text;
	ret->goarch = core->arch->goarch;
	ret->core_path = core->path;
	ret->exe_path = prog->exe->path;
	ret->exe_path_in_core = prog->exe_path_in_core;
	ret->process_name = core->has_prpsinfo ? core->fname : NULL;
	ret->process_args = core->has_prpsinfo ? core->psargs : NULL;
	ret->pid = core->has_prpsinfo ? core->pid : core->nthreads ? core->threads[0].tid : 0;
	ret->build_id = prog->rebuild ? CNR_BUILD_ID_REBUILD : prog->build_id;
	ret->build_id_exe = prog->exe->go_build_id;
	ret->build_id_core = prog->build_id_core;
	ret->compressed = core->image.compressed;
	ret->compression = core->image.compression;
	ret->truncated = core->truncated || core->image.stream_truncated;
	// The kernel records the fatal signal in every thread's pr_cursig;
	// gcore leaves it 0 (its NT_SIGINFO says SIGSTOP, from ptrace).
	for (size_t i = 0; i < core->nthreads && !ret->signal; i++)
		ret->signal = core->threads[i].cursig;
	if (ret->signal && core->has_siginfo && core->siginfo_signo == ret->signal) {
		ret->signal_code = core->siginfo_code;
		ret->signal_addr = core->siginfo_addr;
	}
	ret->bytes_in_core = prog->mem.bytes[CNR_MEM_CORE];
	ret->bytes_from_exe = prog->mem.bytes[CNR_MEM_EXE];
	ret->bytes_missing = prog->mem.bytes[CNR_MEM_NOT_SAVED] + prog->mem.bytes[CNR_MEM_TRUNCATED];
	ret->bytes_no_access = prog->mem.bytes[CNR_MEM_NO_ACCESS];
	ret->nthreads = core->nthreads;
}

CNR_PUBLIC struct cnr_error *cnr_program_thread(struct cnr_program *prog, size_t i, struct cnr_thread *ret)
{
	if (i >= prog->core->nthreads)
		return cnr_error_create(CNR_ERROR_INVALID, "no thread %zu (the core has %zu)", i,
					prog->core->nthreads);
	const struct cnr_core_thread *t = &prog->core->threads[i];
	ret->tid = t->tid;
	ret->signal = t->cursig;
	const struct cnr_arch *a = prog->core->arch;
	ret->pc = t->regs[a->reg_pc];
	ret->sp = t->regs[a->reg_sp];
	ret->lr = a->reg_lr >= 0 ? t->regs[a->reg_lr] : 0;
	ret->tls = a->reg_tls >= 0 ? t->regs[a->reg_tls] : 0;
	// The g the thread ran: in a register (arm64 R28) or in its TLS slot
	// (amd64 -8(FS)); 0 where the core does not hold it.
	ret->g = 0;
	if (a->reg_g >= 0)
		ret->g = t->regs[a->reg_g];
	else if (ret->tls) {
		struct cnr_error *err = cnr_memory_read_u64(&prog->mem, ret->tls + (uint64_t)a->tls_g_offset, &ret->g);
		if (err) {
			cnr_error_destroy(err);
			ret->g = 0;
		}
	}
	return NULL;
}

CNR_PUBLIC struct cnr_error *cnr_program_symbolize(struct cnr_program *prog, uint64_t pc, struct cnr_symbol *ret)
{
	if (!prog->dwarf)
		return cnr_error_create(CNR_ERROR_MISSING_DEBUG_INFO, "no DWARF to symbolize 0x%" PRIx64, pc);
	memset(ret, 0, sizeof(*ret));
	// The runtime's own table first, as goroutine frames are named: DWARF
	// has no subprogram for some functions the pclntab knows (a thread's
	// pc in noder.(*pkgReader).newReader was '?').
	struct cnr_error *err = cnr_program_load_runtime(prog);
	struct cnr_func fn;
	if (!err && cnr_pclntab_find(prog->pclntab, pc, &fn) && fn.name) {
		ret->function = fn.name;
		ret->entry = fn.entry;
		struct cnr_source_frame sf[16];
		size_t nsf = 0;
		err = cnr_pclntab_source_frames(prog->pclntab, &fn, pc, sf, 16, &nsf);
		if (!err && nsf) {
			// The physical function's line, to go with its name.
			ret->file = sf[nsf - 1].file;
			ret->line = sf[nsf - 1].line;
		}
		if (err) {
			cnr_debug(prog->ctx, "%s", cnr_error_message(err));
			cnr_error_destroy(err);
		}
		return NULL;
	}
	if (err) {
		cnr_debug(prog->ctx, "%s", cnr_error_message(err));
		cnr_error_destroy(err);
	}
	uint64_t link_pc = pc - prog->bias;
	const struct cnr_dwarf_func *f = cnr_dwarf_func_at(prog->dwarf, link_pc);
	if (!f)
		return cnr_error_create(CNR_ERROR_NOT_FOUND, "no function contains pc 0x%" PRIx64, pc);
	ret->function = f->name;
	ret->entry = f->lo + prog->bias;
	err = cnr_dwarf_line_at(prog->dwarf, link_pc, &ret->file, &ret->line);
	if (err) {
		// A function without a line is still an answer.
		cnr_debug(prog->ctx, "%s", cnr_error_message(err));
		cnr_error_destroy(err);
	}
	return NULL;
}
