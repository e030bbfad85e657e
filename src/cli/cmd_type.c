// coroner type NAME: a Go type as the binary's runtime sees it: kind,
// size, where its pointers are, fields, element and key types, methods.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>

#include "goruntime/maps.h"
#include "goruntime/program.h"
#include "goruntime/types.h"
#include "report/type_report.h"

const char *const type_usage[] = {
	"coroner type NAME [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static int type_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const char *name = arg;
	uint64_t addr;
	struct cnr_type_cache *tc;
	struct cnr_type_description d;
	struct cnr_error *err = cnr_runtime_type_by_name(prog, name, &addr);
	if (err)
		return cnr_cli_fail(err);
	if ((err = cnr_type_cache_create(prog, &tc)))
		return cnr_cli_fail(err);
	if (!(err = cnr_type_describe(tc, addr, &d)))
		cnr_type_report(&d, opts->json, stdout);
	cnr_type_cache_destroy(tc);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_type(int argc, char **argv)
{
	if (argc < 2) {
		cnr_cli_error("missing NAME");
		cnr_cli_print_usage(type_usage, true);
		return CNR_EXIT_USAGE;
	}
	char *name = argv[1];
	argv[1] = argv[0];
	return cnr_cli_run(argc - 1, argv + 1, type_usage, type_body, name);
}
