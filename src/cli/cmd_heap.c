// coroner heap: what the heap is made of, reconciled with the runtime's
// own counters.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "goruntime/heap.h"
#include "goruntime/memstats.h"
#include "report/heap_report.h"

const char *const heap_usage[] = {
	"coroner heap [--top N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int heap_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	size_t top = *(size_t *)arg;
	struct cnr_heap heap;
	struct cnr_error *err = cnr_heap_read(prog, &heap);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_memstats ms;
	err = cnr_memstats_read(prog, &ms);
	bool ms_unreadable = err != NULL, have_ms = !ms_unreadable;
	if (err) {
		cnr_cli_error("warning: cannot compute the runtime's counters: %s", cnr_error_message(err));
		cnr_error_destroy(err);
	}
	// Impossible counters (warned about) are no yardstick for the walk.
	if (have_ms && ms.impossible)
		have_ms = false;
	if (opts->json)
		cnr_heap_report_json(&heap, have_ms ? &ms : NULL, top, stdout);
	else
		cnr_heap_report_text(&heap, have_ms ? &ms : NULL, top, stdout);
	int code = ms_unreadable || heap.spans_bad ? CNR_EXIT_PARTIAL : CNR_EXIT_OK;
	cnr_heap_deinit(&heap);
	return code;
}

int cmd_heap(int argc, char **argv)
{
	const char *top_arg = NULL;
	size_t top = 0;
	if (!cnr_cli_take_value(&argc, argv, "--top", &top_arg)) {
		cnr_cli_error("--top wants a number");
		return CNR_EXIT_USAGE;
	}
	if (top_arg) {
		char *end;
		top = strtoul(top_arg, &end, 10);
		if (*end || !top) {
			cnr_cli_error("--top wants a positive number, not '%s'", top_arg);
			return CNR_EXIT_USAGE;
		}
	}
	return cnr_cli_run(argc, argv, heap_usage, heap_body, &top);
}
