// coroner heap: what the heap is made of, reconciled with the runtime's
// own counters.
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/heap.h"
#include "goruntime/memstats.h"
#include "report/heap_report.h"

const char *const heap_usage[] = {
	"coroner heap [--top N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

int cmd_heap(int argc, char **argv)
{
	size_t top = 0;
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
			char *end;
			top = strtoul(argv[++i], &end, 10);
			if (*end || !top) {
				cnr_cli_error("--top wants a positive number, not '%s'", argv[i]);
				return CNR_EXIT_USAGE;
			}
		} else {
			argv[n++] = argv[i];
		}
	}
	struct cnr_common_opts opts;
	int r = cnr_cli_parse_common(n, argv, heap_usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
	r = cnr_cli_open(&opts, &ctx, &prog);
	if (r >= 0)
		return r;
	struct cnr_heap heap;
	struct cnr_error *err = cnr_heap_read(prog, &heap);
	if (err) {
		cnr_cli_error("%s", cnr_error_message(err));
		cnr_error_destroy(err);
		cnr_cli_finish(ctx, prog);
		return CNR_EXIT_FATAL;
	}
	struct cnr_memstats ms;
	bool have_ms = true;
	err = cnr_memstats_read(prog, &ms);
	if (err) {
		cnr_cli_error("warning: cannot compute the runtime's counters: %s", cnr_error_message(err));
		cnr_error_destroy(err);
		have_ms = false;
	}
	if (opts.json)
		cnr_heap_report_json(&heap, have_ms ? &ms : NULL, top, stdout);
	else
		cnr_heap_report_text(&heap, have_ms ? &ms : NULL, top, stdout);
	bool partial = !have_ms || heap.spans_bad;
	cnr_heap_deinit(&heap);
	r = cnr_cli_finish(ctx, prog);
	return r == CNR_EXIT_OK && partial ? CNR_EXIT_PARTIAL : r;
}
