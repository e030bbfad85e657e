// coroner info: what the core is (Go version, executable, signal, threads,
// how much of the address space the core holds).
#include "cli/cli.h"

#include <stdio.h>

#include "report/info_report.h"

const char *const info_usage[] = {
	"coroner info [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

int cmd_info(int argc, char **argv)
{
	struct cnr_common_opts opts;
	int r = cnr_cli_parse_common(argc, argv, info_usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
	r = cnr_cli_open(&opts, &ctx, &prog);
	if (r >= 0)
		return r;
	unsigned unresolved = opts.json ? cnr_info_report_json(prog, stdout) : cnr_info_report_text(prog, stdout);
	if (unresolved)
		fprintf(stderr, "coroner: warning: %u thread pc(s) could not be symbolized\n", unresolved);
	r = cnr_cli_finish(ctx, prog);
	return r == 0 && unresolved ? CNR_EXIT_PARTIAL : r;
}
