// coroner goroutines: every goroutine, grouped by stack, or each one.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/goroutine_traces.h"
#include "goruntime/goroutines.h"
#include "report/goroutines_report.h"

const char *const goroutines_usage[] = {
	"coroner goroutines [--all] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

// The traces of each group's first member, group by group.
static struct cnr_error *group_traces(struct cnr_program *prog, const struct cnr_goroutines *gs,
				      const struct cnr_goroutine_groups *gg, struct cnr_goroutine_traces *ret)
{
	uint32_t *first = calloc(gg->ngroups ? gg->ngroups : 1, sizeof(*first));
	if (!first)
		return &cnr_enomem;
	for (size_t k = 0; k < gg->ngroups; k++)
		first[k] = gg->members[gg->groups[k].first];
	struct cnr_error *err = cnr_goroutine_traces_init(prog, gs, first, gg->ngroups, false, ret);
	free(first);
	return err;
}

static int goroutines_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	bool all = *(bool *)arg;
	struct cnr_goroutines gs;
	struct cnr_error *err = cnr_goroutines_read(prog, &gs);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_goroutine_traces t;
	if (opts->json || all) {
		if ((err = cnr_goroutine_traces_init(prog, &gs, NULL, 0, opts->json, &t))) {
			cnr_goroutines_deinit(&gs);
			return cnr_cli_fail(err);
		}
		if (opts->json)
			cnr_goroutines_report_json(&gs, &t, stdout);
		else
			cnr_goroutines_report_all(&gs, &t, stdout);
	} else {
		struct cnr_goroutine_groups gg;
		if ((err = cnr_goroutine_groups_init(&gs, &gg))) {
			cnr_goroutines_deinit(&gs);
			return cnr_cli_fail(err);
		}
		if ((err = group_traces(prog, &gs, &gg, &t))) {
			cnr_goroutine_groups_deinit(&gg);
			cnr_goroutines_deinit(&gs);
			return cnr_cli_fail(err);
		}
		cnr_goroutines_report_grouped(&gs, &gg, &t, stdout);
		cnr_goroutine_groups_deinit(&gg);
	}
	cnr_goroutine_traces_deinit(&t);
	cnr_goroutines_deinit(&gs);
	return CNR_EXIT_OK;
}

int cmd_goroutines(int argc, char **argv)
{
	bool all = cnr_cli_take_flag(&argc, argv, "--all");
	return cnr_cli_run(argc, argv, goroutines_usage, goroutines_body, &all);
}
