// coroner goroutines: every goroutine, grouped by stack, or each one.
#include "cli/cli.h"

#include <stdio.h>

#include "goruntime/goroutines.h"
#include "report/goroutines_report.h"

const char *const goroutines_usage[] = {
	"coroner goroutines [--all] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int goroutines_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	bool all = *(bool *)arg;
	struct cnr_goroutines gs;
	struct cnr_error *err = cnr_goroutines_read(prog, &gs);
	if (err)
		return cnr_cli_fail(err);
	if (opts->json)
		cnr_goroutines_report_json(prog, &gs, stdout);
	else if (all)
		cnr_goroutines_report_all(prog, &gs, stdout);
	else {
		struct cnr_goroutine_groups gg;
		if ((err = cnr_goroutine_groups_init(&gs, &gg))) {
			cnr_goroutines_deinit(&gs);
			return cnr_cli_fail(err);
		}
		cnr_goroutines_report_grouped(prog, &gs, &gg, stdout);
		cnr_goroutine_groups_deinit(&gg);
	}
	cnr_goroutines_deinit(&gs);
	return CNR_EXIT_OK;
}

int cmd_goroutines(int argc, char **argv)
{
	bool all = cnr_cli_take_flag(&argc, argv, "--all");
	return cnr_cli_run(argc, argv, goroutines_usage, goroutines_body, &all);
}
