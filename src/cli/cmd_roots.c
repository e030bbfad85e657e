// coroner roots: the GC roots with their names (globals, stack slots,
// blocked senders' elements), the starting points of every retention path.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>

#include "goruntime/roots.h"
#include "report/json_writer.h"

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
	if (opts->json) {
		struct cnr_json j;
		cnr_json_init(&j, stdout);
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < roots.n; i++) {
			const struct cnr_root *r = &roots.v[i];
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "kind");
			cnr_json_string(&j, cnr_root_kind_name(r->kind));
			cnr_json_key(&j, "name");
			cnr_json_string(&j, r->name);
			cnr_json_key(&j, "slot");
			cnr_json_hex(&j, r->slot);
			cnr_json_key(&j, "value");
			cnr_json_hex(&j, r->value);
			cnr_json_key(&j, "conservative");
			cnr_json_bool(&j, r->conservative);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
	} else {
		for (size_t i = 0; i < roots.n; i++) {
			const struct cnr_root *r = &roots.v[i];
			printf("%-9s 0x%016" PRIx64 " -> 0x%016" PRIx64 "  %s%s\n", cnr_root_kind_name(r->kind), r->slot,
			       r->value, r->name, r->conservative ? " (conservative)" : "");
		}
	}
	cnr_roots_deinit(&roots);
	cnr_goroutines_deinit(&gs);
	return CNR_EXIT_OK;
}

int cmd_roots(int argc, char **argv)
{
	return cnr_cli_run(argc, argv, roots_usage, roots_body, NULL);
}
