// coroner memstats: runtime.MemStats computed from the core as
// runtime.ReadMemStats would have at that instant.
#include "cli/cli.h"

#include <stdio.h>

#include "goruntime/goroutines.h"
#include "goruntime/memstats.h"
#include "report/memstats_report.h"

const char *const memstats_usage[] = {
	"coroner memstats [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

int cmd_memstats(int argc, char **argv)
{
	struct cnr_common_opts opts;
	int r = cnr_cli_parse_common(argc, argv, memstats_usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
	r = cnr_cli_open(&opts, &ctx, &prog);
	if (r >= 0)
		return r;
	struct cnr_memstats ms;
	struct cnr_error *err = cnr_memstats_read(prog, &ms);
	if (err) {
		cnr_cli_error("%s", cnr_error_message(err));
		cnr_error_destroy(err);
		cnr_cli_finish(ctx, prog);
		return CNR_EXIT_FATAL;
	}
	struct cnr_goroutines gs;
	size_t ngs = 0;
	err = cnr_goroutines_read(prog, &gs);
	if (err) {
		cnr_cli_error("warning: %s", cnr_error_message(err));
		cnr_error_destroy(err);
	} else {
		ngs = gs.ngs;
		cnr_goroutines_deinit(&gs);
	}
	if (opts.json)
		cnr_memstats_report_json(&ms, ngs, stdout);
	else
		cnr_memstats_report_text(&ms, ngs, stdout);
	r = cnr_cli_finish(ctx, prog);
	return r == CNR_EXIT_OK && err ? CNR_EXIT_PARTIAL : r;
}
