// coroner report: the leak-suspects report, read top to bottom (see
// src/report/leak_report.h); the README's main job.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "goruntime/heap_graph.h"
#include "report/leak_report.h"

const char *const report_usage[] = {
	"coroner report [--top N] [--max-goroutine-groups N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int report_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	struct cnr_leak_report_opts o = *(const struct cnr_leak_report_opts *)arg;
	o.json = opts->json;
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (err)
		return cnr_cli_fail(err);
	err = cnr_leak_report(prog, &hg, &o, stdout);
	cnr_heap_graph_deinit(&hg);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

// "--name N" into *ret, a number from 1 to max; false (said why) if bad.
static bool take_count(int *argc, char **argv, const char *flag, uint32_t max, uint32_t *ret)
{
	const char *v = NULL;
	if (!cnr_cli_take_value(argc, argv, flag, &v)) {
		cnr_cli_error("%s wants a number", flag);
		return false;
	}
	if (!v)
		return true;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || n < 1 || n > max) {
		cnr_cli_error("%s wants a number from 1 to %" PRIu32 ", not '%s'", flag, max, v);
		return false;
	}
	*ret = (uint32_t)n;
	return true;
}

int cmd_report(int argc, char **argv)
{
	struct cnr_leak_report_opts o = { .top = CNR_LEAK_DEFAULT_TOP, .max_groups = CNR_LEAK_DEFAULT_GROUPS };
	if (!take_count(&argc, argv, "--top", 1000, &o.top) ||
	    !take_count(&argc, argv, "--max-goroutine-groups", 1000000, &o.max_groups))
		return CNR_EXIT_USAGE;
	return cnr_cli_run(argc, argv, report_usage, report_body, &o);
}
