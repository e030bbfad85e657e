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
	struct cnr_process_info p;
	struct cnr_error *err = cnr_process_info_read(prog, &p);
	if (err)
		return cnr_cli_fail(err);
	cnr_info_report(&p, opts->json, stdout);
	unsigned unresolved = p.unresolved;
	cnr_process_info_deinit(&p);
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
