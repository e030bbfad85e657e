// coroner goroutines: every goroutine, grouped by stack, or each one.
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "goruntime/program.h"
#include "report/goroutines_report.h"

const char *const goroutines_usage[] = {
	"coroner goroutines [--all] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

int cmd_goroutines(int argc, char **argv)
{
	// --all is ours; the rest are the common options.
	bool all = false;
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else
			argv[n++] = argv[i];
	}
	argc = n;
	struct cnr_common_opts opts;
	int r = cnr_cli_parse_common(argc, argv, goroutines_usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
	r = cnr_cli_open(&opts, &ctx, &prog);
	if (r >= 0)
		return r;
	struct cnr_goroutines gs;
	struct cnr_error *err = cnr_goroutines_read(prog, &gs);
	if (err) {
		cnr_cli_error("%s", cnr_error_message(err));
		cnr_error_destroy(err);
		cnr_cli_finish(ctx, prog);
		return CNR_EXIT_FATAL;
	}
	if (opts.json)
		cnr_goroutines_report_json(prog, &gs, stdout);
	else if (all)
		cnr_goroutines_report_all(prog, &gs, stdout);
	else
		cnr_goroutines_report_grouped(prog, &gs, stdout);
	cnr_goroutines_deinit(&gs);
	return cnr_cli_finish(ctx, prog);
}
