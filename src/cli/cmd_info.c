// coroner info: what the core is (Go version, executable, signal, threads,
// how much of the address space the core holds).
#include "cli/cli.h"

#include <stdio.h>

#include "report/info_report.h"

const char *const info_usage[] = {
	"coroner info [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int info_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)arg;
	unsigned unresolved = opts->json ? cnr_info_report_json(prog, stdout) : cnr_info_report_text(prog, stdout);
	if (unresolved) {
		fprintf(stderr, "coroner: warning: %u thread pc(s) could not be symbolized\n", unresolved);
		return CNR_EXIT_PARTIAL;
	}
	return CNR_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, info_usage, info_body, NULL);
}
