// coroner memstats: runtime.MemStats computed from the core as
// runtime.ReadMemStats would have at that instant.
#include "cli/cli.h"

#include <stdio.h>

#include "goruntime/goroutines.h"
#include "goruntime/heap.h"
#include "goruntime/memstats.h"
#include "report/memstats_report.h"

const char *const memstats_usage[] = {
	"coroner memstats [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int memstats_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)arg;
	struct cnr_memstats ms;
	struct cnr_error *err = cnr_memstats_read(prog, &ms);
	if (err)
		return cnr_cli_fail(err);
	if (ms.impossible & (CNR_MS_HEAP_ALLOC | CNR_MS_HEAP_OBJECTS | CNR_MS_HEAP_INUSE)) {
		// The warning said so; the heap walk has the true figures.
		struct cnr_heap heap;
		err = cnr_heap_read(prog, &heap);
		if (err)
			return cnr_cli_fail(cnr_error_wrap(err, "cannot walk the heap for the impossible counters"));
		cnr_memstats_prefer_walk(&ms, heap.objects, heap.bytes, heap.span_bytes_in_use);
		cnr_heap_deinit(&heap);
	}
	struct cnr_goroutines gs;
	size_t ngs = 0;
	int code = CNR_EXIT_OK;
	err = cnr_goroutines_read(prog, &gs);
	if (err) {
		cnr_cli_error("warning: cannot count goroutines: %s", cnr_error_message(err));
		cnr_error_destroy(err);
		code = CNR_EXIT_PARTIAL;
	} else {
		ngs = gs.ngs;
		cnr_goroutines_deinit(&gs);
	}
	if (opts->json)
		cnr_memstats_report_json(&ms, ngs, stdout);
	else
		cnr_memstats_report_text(&ms, ngs, stdout);
	return code;
}

int cmd_memstats(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, memstats_usage, memstats_body, NULL);
}
