#include "report/info_report.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "report/json_writer.h"

const char *cnr_signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGHUP, "SIGHUP" },   { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" }, { SIGILL, "SIGILL" },
		{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" },   { SIGFPE, "SIGFPE" },
		{ SIGKILL, "SIGKILL" }, { SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGSYS, "SIGSYS" },   { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].sig == sig)
			return names[i].name;
	}
	return NULL;
}

static const char *build_id_text(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "matches the core";
	case CNR_BUILD_ID_MISMATCH: return "DIFFERS from the core";
	default: return "not checked (no Go build ID saved in the core)";
	}
}

static const char *build_id_json(int state)
{
	switch (state) {
	case CNR_BUILD_ID_MATCH: return "match";
	case CNR_BUILD_ID_MISMATCH: return "mismatch";
	default: return "unknown";
	}
}

static void info_text(const struct cnr_process_info *p, FILE *out)
{
	const struct cnr_program_info in = p->info;
	fprintf(out, "go version:  %s\n", in.go_version);
	fprintf(out, "goarch:      %s\n", in.goarch);
	fprintf(out, "process:     pid %d", in.pid);
	if (in.process_name)
		fprintf(out, " '%s'", in.process_name);
	if (in.process_args && *in.process_args)
		fprintf(out, " (%s)", in.process_args);
	fputc('\n', out);
	fprintf(out, "core:        %s%s%s\n", in.core_path, in.compressed ? " (gzip)" : "",
		in.truncated ? " (TRUNCATED)" : "");
	fprintf(out, "executable:  %s\n", in.exe_path);
	if (in.exe_path_in_core && strcmp(in.exe_path_in_core, in.exe_path) != 0)
		fprintf(out, "  in core:   %s\n", in.exe_path_in_core);
	fprintf(out, "  build id:  %s", build_id_text(in.build_id));
	if (in.build_id_exe)
		fprintf(out, " (%s)", in.build_id_exe);
	fputc('\n', out);
	if (in.signal) {
		const char *name = cnr_signal_name(in.signal);
		fprintf(out, "signal:      %s (%d)", name ? name : "signal", in.signal);
		if (in.signal == SIGSEGV || in.signal == SIGBUS)
			fprintf(out, " code %d addr 0x%" PRIx64, in.signal_code, in.signal_addr);
		fputc('\n', out);
	} else {
		fprintf(out, "signal:      none (dumped from a live process, e.g. by gcore)\n");
	}
	fprintf(out,
		"memory:      %" PRIu64 " bytes in core, %" PRIu64 " from executable, %" PRIu64 " missing, %" PRIu64
		" reserved without access\n",
		in.bytes_in_core, in.bytes_from_exe, in.bytes_missing, in.bytes_no_access);
	fprintf(out, "threads:     %zu\n", in.nthreads);
	fprintf(out, "  %-8s %-18s %-18s %s\n", "TID", "PC", "SP", "FUNCTION");
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct cnr_thread *t = &p->threads[i].thread;
		const struct cnr_symbol *sym = &p->threads[i].sym;
		fprintf(out, "  %-8d 0x%016" PRIx64 " 0x%016" PRIx64 " ", t->tid, t->pc, t->sp);
		if (!p->threads[i].symbolized) {
			fprintf(out, "?\n");
			continue;
		}
		fprintf(out, "%s+0x%" PRIx64, sym->function ? sym->function : "?", t->pc - sym->entry);
		if (sym->file)
			fprintf(out, " (%s:%d)", sym->file, sym->line);
		fputc('\n', out);
	}
}

static void info_json(const struct cnr_process_info *p, FILE *out)
{
	const struct cnr_program_info in = p->info;
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "go_version");
	cnr_json_string(&j, in.go_version);
	cnr_json_key(&j, "goarch");
	cnr_json_string(&j, in.goarch);
	cnr_json_key(&j, "pid");
	cnr_json_int(&j, in.pid);
	cnr_json_key(&j, "process_name");
	cnr_json_string(&j, in.process_name);
	cnr_json_key(&j, "process_args");
	cnr_json_string(&j, in.process_args);
	cnr_json_key(&j, "core");
	cnr_json_string(&j, in.core_path);
	cnr_json_key(&j, "compressed");
	cnr_json_bool(&j, in.compressed);
	cnr_json_key(&j, "truncated");
	cnr_json_bool(&j, in.truncated);
	cnr_json_key(&j, "executable");
	cnr_json_string(&j, in.exe_path);
	cnr_json_key(&j, "executable_in_core");
	cnr_json_string(&j, in.exe_path_in_core);
	cnr_json_key(&j, "build_id");
	cnr_json_string(&j, build_id_json(in.build_id));
	cnr_json_key(&j, "build_id_executable");
	cnr_json_string(&j, in.build_id_exe);
	cnr_json_key(&j, "build_id_core");
	cnr_json_string(&j, in.build_id_core);
	cnr_json_key(&j, "signal");
	cnr_json_int(&j, in.signal);
	cnr_json_key(&j, "signal_name");
	cnr_json_string(&j, in.signal ? cnr_signal_name(in.signal) : NULL);
	cnr_json_key(&j, "signal_code");
	cnr_json_int(&j, in.signal_code);
	cnr_json_key(&j, "signal_addr");
	cnr_json_hex(&j, in.signal_addr);
	cnr_json_key(&j, "memory");
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "bytes_in_core");
	cnr_json_uint(&j, in.bytes_in_core);
	cnr_json_key(&j, "bytes_from_executable");
	cnr_json_uint(&j, in.bytes_from_exe);
	cnr_json_key(&j, "bytes_missing");
	cnr_json_uint(&j, in.bytes_missing);
	cnr_json_key(&j, "bytes_no_access");
	cnr_json_uint(&j, in.bytes_no_access);
	cnr_json_end_object(&j);
	cnr_json_key(&j, "threads");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct cnr_thread t = p->threads[i].thread;
		const struct cnr_symbol sym = p->threads[i].sym;
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "tid");
		cnr_json_int(&j, t.tid);
		cnr_json_key(&j, "signal");
		cnr_json_int(&j, t.signal);
		cnr_json_key(&j, "pc");
		cnr_json_hex(&j, t.pc);
		cnr_json_key(&j, "sp");
		cnr_json_hex(&j, t.sp);
		cnr_json_key(&j, "function");
		cnr_json_string(&j, sym.function);
		cnr_json_key(&j, "file");
		cnr_json_string(&j, sym.file);
		cnr_json_key(&j, "line");
		cnr_json_int(&j, sym.line);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}

void cnr_info_report(const struct cnr_process_info *p, bool json, FILE *out)
{
	if (json)
		info_json(p, out);
	else
		info_text(p, out);
}
