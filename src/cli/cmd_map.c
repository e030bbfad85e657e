// coroner map ADDR: one map in depth (entries, value types, key prefixes
// and clusters, nesting, the bytes each entry retains).
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/map_contents.h"
#include "goruntime/maps.h"
#include "goruntime/program.h"
#include "report/map_report.h"

const char *const map_usage[] = {
	"coroner map ADDR [--type 'map[K]V'] [--limit N] [--sort retained|key|walk] [--no-retained] [--redact] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct map_args {
	uint64_t addr;
	const char *type;
	struct cnr_map_contents_opts opts;
};

// The map's type: --type, else 0 for the one the heap's typing found.
static struct cnr_error *map_type(struct cnr_program *prog, const struct map_args *a, uint64_t *ret)
{
	if (a->type)
		return cnr_runtime_type_by_name(prog, a->type, ret);
	struct cnr_error *err = cnr_program_load_runtime(prog);
	if (err)
		return err;
	if (!a->opts.retained)
		return cnr_error_create(CNR_ERROR_INVALID,
					"cannot tell the type of the map at 0x%" PRIx64 " without the heap graph; pass it with --type 'map[K]V'",
					a->addr);
	*ret = 0;
	return NULL;
}

static int map_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	struct map_args *a = arg;
	uint64_t type;
	struct cnr_map_contents mc;
	struct cnr_error *err = map_type(prog, a, &type);
	if (!err)
		err = cnr_map_contents_build(prog, a->addr, type, &a->opts, &mc);
	if (err)
		return cnr_cli_fail(err);
	cnr_map_report(&mc, opts->json, stdout);
	cnr_map_contents_deinit(&mc);
	return CNR_EXIT_OK;
}

int cmd_map(int argc, char **argv)
{
	struct map_args a = { .opts = { .limit = 20, .retained = true, .sort = CNR_MAP_SORT_RETAINED } };
	const char *limit = NULL, *sort = NULL;
	if (!cnr_cli_take_value(&argc, argv, "--type", &a.type) || !cnr_cli_take_value(&argc, argv, "--limit", &limit) ||
	    !cnr_cli_take_value(&argc, argv, "--sort", &sort)) {
		cnr_cli_error("--type, --limit and --sort want a value");
		return CNR_EXIT_USAGE;
	}
	a.opts.retained = !cnr_cli_take_flag(&argc, argv, "--no-retained");
	a.opts.redact = cnr_cli_take_flag(&argc, argv, "--redact");
	if (limit) {
		char *end;
		a.opts.limit = strtoul(limit, &end, 10);
		if (*end || !*limit) {
			cnr_cli_error("--limit wants a number, not '%s'", limit);
			return CNR_EXIT_USAGE;
		}
	}
	if (!a.opts.retained)
		a.opts.sort = CNR_MAP_SORT_WALK;
	if (sort) {
		if (strcmp(sort, "retained") == 0 && a.opts.retained) {
			a.opts.sort = CNR_MAP_SORT_RETAINED;
		} else if (strcmp(sort, "key") == 0) {
			a.opts.sort = CNR_MAP_SORT_KEY;
		} else if (strcmp(sort, "walk") == 0) {
			a.opts.sort = CNR_MAP_SORT_WALK;
		} else {
			cnr_cli_error(strcmp(sort, "retained") == 0 ? "--sort retained needs the retained bytes (drop --no-retained)"
								  : "--sort wants retained, key or walk, not '%s'",
				      sort);
			return CNR_EXIT_USAGE;
		}
	}
	// ADDR comes first after the command name.
	int r = cnr_cli_take_addr(argc, argv, map_usage, &a.addr);
	if (r >= 0)
		return r;
	return cnr_cli_run(argc - 1, argv + 1, map_usage, map_body, &a);
}
