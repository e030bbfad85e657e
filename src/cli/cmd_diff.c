// coroner diff: what grew between two cores of one process (see
// analysis/diff.h).  The old core is analysed first and only its side of
// the comparison is kept (analysis/diff_side.h) before the new core's
// analysis is built, so a diff costs about one analysis of memory.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diff.h"
#include "goruntime/heap_graph.h"
#include "goruntime/typing.h"
#include "report/diff_report.h"

const char *const diff_usage[] = {
	"coroner diff [--top N] [--json] [--exe PATH] [--force] [-v] OLD_CORE NEW_CORE [EXE]",
	NULL,
};

// Analyse prog and keep its side: the heap graph and the model go
// unless keep_hg (the new core's graph serves the comparison).
static struct cnr_error *analyse(struct cnr_program *prog, struct cnr_heap_graph *hg, bool keep_hg,
				 struct cnr_diff_side *ret)
{
	struct cnr_error *err = cnr_typed_heap_graph_build(prog, hg);
	if (err)
		return err;
	struct cnr_leak_model m;
	err = cnr_leak_model_build(prog, hg, CNR_DIFF_POINTS, &m);
	if (!err) {
		err = cnr_diff_side_build(prog, hg, &m, keep_hg, ret);
		cnr_leak_model_deinit(&m);
	}
	if (err || !keep_hg)
		cnr_typed_heap_graph_deinit(hg);
	return err;
}

static int diff_cores(struct cnr_program *old, struct cnr_program *new_, const struct cnr_common_opts *opts,
		      uint32_t top)
{
	struct cnr_program_info oi, ni;
	cnr_program_get_info(old, &oi);
	cnr_program_get_info(new_, &ni);
	if (oi.build_id_core && ni.build_id_core && strcmp(oi.build_id_core, ni.build_id_core) != 0 && !opts->force) {
		cnr_cli_error("'%s' and '%s' come from different executables (Go build ID %s vs %s); --force compares them anyway",
			      oi.core_path, ni.core_path, oi.build_id_core, ni.build_id_core);
		return CNR_EXIT_FATAL;
	}
	struct cnr_diff_side os, ns;
	struct cnr_heap_graph hg;
	struct cnr_error *err = analyse(old, &hg, false, &os);
	if (err)
		return cnr_cli_fail(err);
	err = analyse(new_, &hg, true, &ns);
	if (err) {
		cnr_diff_side_deinit(&os);
		return cnr_cli_fail(err);
	}
	struct cnr_diff d;
	err = cnr_diff_build(&os, &ns, &hg, &d);
	if (!err) {
		struct cnr_diff_report_opts ro = { .top = top, .json = opts->json };
		cnr_diff_report(&d, &ro, stdout);
		cnr_diff_deinit(&d);
	}
	cnr_typed_heap_graph_deinit(&hg);
	cnr_diff_side_deinit(&ns);
	cnr_diff_side_deinit(&os);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_diff(int argc, char **argv)
{
	uint32_t top = CNR_DIFF_DEFAULT_TOP;
	if (!cnr_cli_take_number(&argc, argv, "--top", 1, 100000, &top))
		return CNR_EXIT_USAGE;
	// OLD_CORE comes first after the command name; then NEW_CORE [EXE] as
	// every command takes CORE [EXE].
	char *old_core;
	int r = cnr_cli_take_operand(argc, argv, diff_usage, "OLD_CORE", &old_core);
	if (r >= 0)
		return r;
	if (strcmp(argv[argc - 1], "--") == 0) { // cnr_cli_normalize put the operands after it: none is left
		cnr_cli_error("missing NEW_CORE");
		cnr_cli_print_usage(diff_usage, true);
		return CNR_EXIT_USAGE;
	}
	struct cnr_common_opts opts;
	r = cnr_cli_parse_common(argc - 1, argv + 1, diff_usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_common_opts old_opts = opts;
	old_opts.core = old_core;
	struct cnr_ctx *old_ctx, *new_ctx;
	struct cnr_program *old, *new_;
	r = cnr_cli_open(&old_opts, &old_ctx, &old);
	if (r >= 0)
		return r;
	r = cnr_cli_open(&opts, &new_ctx, &new_);
	if (r >= 0) {
		cnr_cli_finish(old_ctx, old);
		return r;
	}
	r = diff_cores(old, new_, &opts, top);
	int finish_new = cnr_cli_finish(new_ctx, new_);
	int finish_old = cnr_cli_finish(old_ctx, old);
	if (finish_new > r)
		r = finish_new;
	return finish_old > r ? finish_old : r;
}
