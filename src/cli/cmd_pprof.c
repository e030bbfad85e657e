// coroner pprof: a gzipped profile.proto for `go tool pprof` — the heap
// profile inside the core (--kind heap), or the dominator tree as a
// profile whose stacks are retention paths (--kind retained).
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/heap_profile.h"
#include "analysis/retained_profile.h"
#include "goruntime/heap_graph.h"
#include "goruntime/mprof.h"
#include "goruntime/program.h"
#include "goruntime/typing.h"
#include "graph/dominators.h"
#include "report/pprof_writer.h"

const char *const pprof_usage[] = {
	"coroner pprof [--kind heap|retained] [--min-share PERCENT] [-o FILE] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct pprof_args {
	const char *kind, *out;
	double min_share; // percent of the live heap, retained profiles
};

static struct cnr_error *build_heap(struct cnr_program *prog, struct cnr_profile *p)
{
	struct cnr_mprof mp;
	struct cnr_error *err = cnr_mprof_read(prog, &mp);
	if (err)
		return err;
	const char *absence = cnr_heap_profile_absence(&mp);
	if (absence) {
		err = cnr_error_create(CNR_ERROR_NOT_FOUND, "%s", absence);
		cnr_mprof_deinit(&mp);
		return err;
	}
	err = cnr_heap_profile_build(prog, &mp, p);
	cnr_mprof_deinit(&mp);
	return err;
}

static struct cnr_error *build_retained(struct cnr_program *prog, double min_share, struct cnr_profile *p)
{
	struct cnr_heap_graph hg;
	struct cnr_error *err = cnr_heap_graph_build(prog, &hg);
	if (err)
		return err;
	// The stacks name types and hops: the objects must be typed.
	if (!(err = cnr_heap_typing_build(prog, &hg)) && !(err = cnr_graph_compute_dominators(hg.graph)))
		err = cnr_retained_profile_build(prog, &hg, min_share / 100.0, p);
	cnr_heap_typing_release(&hg);
	cnr_heap_graph_deinit(&hg);
	return err;
}

static int pprof_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	(void)opts;
	const struct pprof_args *a = arg;
	if (!a->out && isatty(STDOUT_FILENO)) {
		cnr_cli_error("the profile is binary: write it with -o FILE (or redirect stdout)");
		return CNR_EXIT_USAGE;
	}
	struct cnr_profile p;
	struct cnr_error *err = strcmp(a->kind, "heap") == 0 ? build_heap(prog, &p)
							     : build_retained(prog, a->min_share, &p);
	if (err)
		return cnr_cli_fail(err);
	FILE *out = a->out ? fopen(a->out, "wb") : stdout;
	if (!out) {
		cnr_cli_error("cannot open '%s': %s", a->out, strerror(errno));
		cnr_profile_deinit(&p);
		return CNR_EXIT_FATAL;
	}
	err = cnr_pprof_write(&p, out);
	cnr_profile_deinit(&p);
	if (a->out && fclose(out) != 0 && !err)
		err = cnr_error_create(CNR_ERROR_OS, "cannot write '%s'", a->out);
	return err ? cnr_cli_fail(err) : CNR_EXIT_OK;
}

int cmd_pprof(int argc, char **argv)
{
	struct pprof_args a = { .kind = "heap", .min_share = 0.1 };
	const char *share = NULL;
	if (!cnr_cli_take_value(&argc, argv, "--kind", &a.kind) || !cnr_cli_take_value(&argc, argv, "-o", &a.out) ||
	    !cnr_cli_take_value(&argc, argv, "--min-share", &share)) {
		cnr_cli_error("--kind, --min-share and -o want a value");
		return CNR_EXIT_USAGE;
	}
	if (strcmp(a.kind, "heap") && strcmp(a.kind, "retained")) {
		cnr_cli_error("--kind wants heap or retained, not '%s'", a.kind);
		return CNR_EXIT_USAGE;
	}
	if (share) {
		char *end;
		a.min_share = strtod(share, &end);
		if (*end || !(a.min_share >= 0 && a.min_share <= 100)) {
			cnr_cli_error("--min-share wants a percentage from 0 to 100, not '%s'", share);
			return CNR_EXIT_USAGE;
		}
	}
	return cnr_cli_run(argc, argv, pprof_usage, pprof_body, &a);
}
