#include "report/memstats_report.h"

#include <inttypes.h>

#include "report/json_writer.h"

#define U64_FIELDS(X)                     \
	X("HeapAlloc", heap_alloc)        \
	X("HeapInuse", heap_inuse)        \
	X("HeapIdle", heap_idle)          \
	X("HeapReleased", heap_released)  \
	X("HeapSys", heap_sys)            \
	X("HeapObjects", heap_objects)    \
	X("TotalAlloc", total_alloc)      \
	X("Mallocs", mallocs)             \
	X("Frees", frees)                 \
	X("StackInuse", stack_inuse)      \
	X("StackSys", stack_sys)          \
	X("Sys", sys)                     \
	X("NextGC", next_gc)              \
	X("LastGC", last_gc_unix_ns)

void cnr_memstats_report_text(const struct cnr_memstats *ms, size_t goroutines, FILE *out)
{
#define X(name, field) fprintf(out, "%-14s %" PRIu64 "\n", name, ms->field);
	U64_FIELDS(X)
#undef X
	fprintf(out, "%-14s %u\n", "NumGC", ms->num_gc);
	fprintf(out, "%-14s %u\n", "NumForcedGC", ms->num_forced_gc);
	if (ms->gogc < 0)
		fprintf(out, "%-14s off\n", "GOGC");
	else
		fprintf(out, "%-14s %d\n", "GOGC", ms->gogc);
	if (ms->memory_limit == INT64_MAX)
		fprintf(out, "%-14s none\n", "GOMEMLIMIT");
	else
		fprintf(out, "%-14s %" PRId64 "\n", "GOMEMLIMIT", ms->memory_limit);
	fprintf(out, "%-14s %d\n", "GOMAXPROCS", ms->gomaxprocs);
	fprintf(out, "%-14s %d\n", "NumGoroutine", ms->num_goroutine);
	fprintf(out, "%-14s %zu (system goroutines included)\n", "Goroutines", goroutines);
	fprintf(out, "# HeapAlloc includes %" PRIu64 " bytes (%" PRIu64 " objects) not yet flushed from mcaches\n",
		ms->unflushed_bytes, ms->unflushed_objects);
}

void cnr_memstats_report_json(const struct cnr_memstats *ms, size_t goroutines, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
#define X(name, field)            \
	cnr_json_key(&j, name);   \
	cnr_json_uint(&j, ms->field);
	U64_FIELDS(X)
#undef X
	cnr_json_key(&j, "NumGC");
	cnr_json_uint(&j, ms->num_gc);
	cnr_json_key(&j, "NumForcedGC");
	cnr_json_uint(&j, ms->num_forced_gc);
	cnr_json_key(&j, "GOGC");
	cnr_json_int(&j, ms->gogc);
	cnr_json_key(&j, "GOMEMLIMIT");
	cnr_json_int(&j, ms->memory_limit);
	cnr_json_key(&j, "GOMAXPROCS");
	cnr_json_int(&j, ms->gomaxprocs);
	cnr_json_key(&j, "NumGoroutine");
	cnr_json_int(&j, ms->num_goroutine);
	cnr_json_key(&j, "Goroutines");
	cnr_json_uint(&j, goroutines);
	cnr_json_key(&j, "UnflushedBytes");
	cnr_json_uint(&j, ms->unflushed_bytes);
	cnr_json_key(&j, "UnflushedObjects");
	cnr_json_uint(&j, ms->unflushed_objects);
	cnr_json_end_object(&j);
}
