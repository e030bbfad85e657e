// coroner roots: the GC roots with their names (globals, stack slots,
// blocked senders' elements), the starting points of every retention path.
#include "cli/cli.h"

#include <stdio.h>

#include "goruntime/roots.h"
#include "report/roots_report.h"

const char *const roots_usage[] = {
	"coroner roots [--roots KIND,...] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int roots_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)arg;
	struct cnr_goroutines gs;
	struct cnr_error *err = cnr_goroutines_read(prog, &gs);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_roots roots;
	err = cnr_roots_read(prog, &gs, &roots);
	if (err) {
		cnr_goroutines_deinit(&gs);
		return cnr_cli_fail(err);
	}
	cnr_roots_report(&roots, opts->json, stdout);
	cnr_roots_deinit(&roots);
	cnr_goroutines_deinit(&gs);
	return CNR_EXIT_OK;
}

int cmd_roots(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, roots_usage, roots_body, NULL);
}
