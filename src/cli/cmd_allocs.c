// coroner allocs: the heap profile the runtime kept in the process, as
// /debug/pprof/heap would have served it at the instant of the core,
// ranked like `go tool pprof -top`.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/heap_profile.h"
#include "goruntime/mprof.h"
#include "goruntime/program.h"
#include "report/json_writer.h"
#include "report/profile_top.h"

const char *const allocs_usage[] = {
	"coroner allocs [--sample inuse_space|inuse_objects|alloc_space|alloc_objects] [--top N] [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

struct allocs_args {
	const char *sample;
	uint32_t top;
};

static void json_out(const struct cnr_mprof *mp, const struct cnr_profile *p, int t, const char *absence,
		     const struct cnr_profile_top_row *rows, size_t n, size_t top, int64_t total)
{
	struct cnr_json j;
	cnr_json_init(&j, stdout);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "mem_profile_rate");
	cnr_json_int(&j, mp->rate);
	cnr_json_key(&j, "disabled_by_linker");
	cnr_json_bool(&j, mp->disabled_by_linker);
	cnr_json_key(&j, "no_profile");
	cnr_json_string(&j, absence);
	cnr_json_key(&j, "partial");
	cnr_json_bool(&j, mp->bad_buckets || mp->truncated);
	cnr_json_key(&j, "buckets");
	cnr_json_uint(&j, mp->nrecords);
	cnr_json_key(&j, "sample");
	cnr_json_string(&j, p->sample_types[t].type);
	cnr_json_key(&j, "unit");
	cnr_json_string(&j, p->sample_types[t].unit);
	cnr_json_key(&j, "totals");
	cnr_json_begin_object(&j);
	for (size_t k = 0; k < p->ntypes; k++) {
		int64_t sum = 0;
		for (size_t s = 0; s < p->samples.size; s++)
			sum += p->samples.data[s].values[k];
		cnr_json_key(&j, p->sample_types[k].type);
		cnr_json_int(&j, sum);
	}
	cnr_json_end_object(&j);
	cnr_json_key(&j, "total");
	cnr_json_int(&j, total);
	cnr_json_key(&j, "functions");
	cnr_json_begin_array(&j);
	for (size_t i = 0; i < n && i < top; i++) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "function");
		cnr_json_string(&j, rows[i].function);
		cnr_json_key(&j, "flat");
		cnr_json_int(&j, rows[i].flat);
		cnr_json_key(&j, "cum");
		cnr_json_int(&j, rows[i].cum);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
	fputc('\n', stdout);
}

static int allocs_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const struct allocs_args *a = arg;
	struct cnr_mprof mp;
	struct cnr_error *err = cnr_mprof_read(prog, &mp);
	if (err)
		return cnr_cli_fail(err);
	struct cnr_profile p;
	if ((err = cnr_heap_profile_build(prog, &mp, &p))) {
		cnr_mprof_deinit(&mp);
		return cnr_cli_fail(err);
	}
	int t = cnr_profile_type_index(&p, a->sample);
	struct cnr_profile_top_row *rows = NULL;
	size_t n = 0;
	int64_t total = 0;
	if ((err = cnr_profile_top(&p, t, &rows, &n, &total))) {
		cnr_profile_deinit(&p);
		cnr_mprof_deinit(&mp);
		return cnr_cli_fail(err);
	}
	const char *absence = cnr_heap_profile_absence(&mp);
	if (opts->json) {
		json_out(&mp, &p, t, absence, rows, n, a->top, total);
	} else if (absence) {
		printf("%s\n", absence);
	} else {
		if (mp.rate == 0)
			printf("the program turned memory profiling off (runtime.MemProfileRate = 0); what it recorded "
			       "before, unscaled:\n");
		else if (mp.rate == 1)
			printf("heap profile: runtime.MemProfileRate = 1 (every allocation sampled); %zu buckets\n",
			       mp.nrecords);
		else
			printf("heap profile: runtime.MemProfileRate = %" PRId64 " (one sample per %" PRId64
			       " bytes allocated on average, scaled as runtime/pprof does); %zu buckets\n",
			       mp.rate, mp.rate, mp.nrecords);
		printf("sample: %s\n", a->sample);
		cnr_profile_top_text(&p, t, rows, n, a->top, total, stdout);
	}
	free(rows);
	cnr_profile_deinit(&p);
	cnr_mprof_deinit(&mp);
	return CNR_EXIT_OK;
}

int cmd_allocs(int argc, char **argv)
{
	struct allocs_args a = { .sample = "inuse_space", .top = 20 };
	if (!cnr_cli_take_value(&argc, argv, "--sample", &a.sample)) {
		cnr_cli_error("--sample wants a value");
		return CNR_EXIT_USAGE;
	}
	if (!cnr_cli_take_number(&argc, argv, "--top", 1, UINT32_MAX, &a.top))
		return CNR_EXIT_USAGE;
	if (strcmp(a.sample, "inuse_space") && strcmp(a.sample, "inuse_objects") && strcmp(a.sample, "alloc_space") &&
	    strcmp(a.sample, "alloc_objects")) {
		cnr_cli_error("--sample wants inuse_space, inuse_objects, alloc_space or alloc_objects, not '%s'",
			      a.sample);
		return CNR_EXIT_USAGE;
	}
	return cnr_cli_run(argc, argv, allocs_usage, allocs_body, &a);
}
