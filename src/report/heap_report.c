#include "report/heap_report.h"

#include <inttypes.h>

#include "report/json_writer.h"

void cnr_heap_group_label(const struct cnr_heap_group *g, char *buf, size_t len)
{
	switch (g->kind) {
	case CNR_GROUP_TYPED:
		snprintf(buf, len, "%s", g->type->name ? g->type->name : "(type built at run time)");
		break;
	case CNR_GROUP_SIZE_CLASS:
		snprintf(buf, len, "unknown (%u-byte class, %s)", g->elemsize, g->noscan ? "no pointers" : "pointers");
		break;
	case CNR_GROUP_TINY:
		snprintf(buf, len, "tiny blocks (16 B, each holding small pointer-free objects)");
		break;
	case CNR_GROUP_LARGE:
		snprintf(buf, len, "unknown (large object, %s)", g->noscan ? "no pointers" : "pointers");
		break;
	case CNR_GROUP_NO_TYPE_YET:
		snprintf(buf, len, "unknown (%u-byte slot, type not yet recorded)", g->elemsize);
		break;
	}
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

void cnr_heap_report_text(const struct cnr_heap *heap, const struct cnr_memstats *ms, size_t top, FILE *out)
{
	fprintf(out, "%12s %14s %6s  %s\n", "OBJECTS", "BYTES", "%", "TYPE");
	size_t n = top && top < heap->ngroups ? top : heap->ngroups;
	for (size_t i = 0; i < n; i++) {
		const struct cnr_heap_group *g = &heap->groups[i];
		char label[512];
		cnr_heap_group_label(g, label, sizeof(label));
		fprintf(out, "%12" PRIu64 " %14" PRIu64 " %5.1f%%  %s\n", g->objects, g->bytes, pct(g->bytes, heap->bytes),
			label);
	}
	if (n < heap->ngroups) {
		uint64_t o = 0, b = 0;
		for (size_t i = n; i < heap->ngroups; i++) {
			o += heap->groups[i].objects;
			b += heap->groups[i].bytes;
		}
		fprintf(out, "%12" PRIu64 " %14" PRIu64 " %5.1f%%  (%zu more groups)\n", o, b, pct(b, heap->bytes),
			heap->ngroups - n);
	}
	fprintf(out, "%12" PRIu64 " %14" PRIu64 " %5.1f%%  total\n", heap->objects, heap->bytes, 100.0);

	fputs("\nledger:\n", out);
	fprintf(out, "  heap walk:         %" PRIu64 " objects, %" PRIu64 " bytes in %" PRIu64 " spans (%" PRIu64
		     " bytes)\n",
		heap->objects, heap->bytes, heap->spans_in_use, heap->span_bytes_in_use);
	if (ms) {
		fprintf(out, "  runtime counters:  %" PRIu64 " objects (HeapObjects), %" PRIu64
			     " bytes (HeapAlloc), %" PRIu64 " bytes in spans (HeapInuse)\n",
			ms->heap_objects, ms->heap_alloc, ms->heap_inuse);
		fprintf(out, "  of which unflushed mcaches: %" PRIu64 " objects, %" PRIu64 " bytes\n",
			ms->unflushed_objects, ms->unflushed_bytes);
		int64_t dobj = (int64_t)(heap->objects - ms->heap_objects), dbytes = (int64_t)(heap->bytes - ms->heap_alloc);
		int64_t dspan = (int64_t)(heap->span_bytes_in_use - ms->heap_inuse);
		if (!dobj && !dbytes && !dspan)
			fputs("  difference:        none (the walk equals the runtime's own counters)\n", out);
		else
			fprintf(out, "  difference:        %+" PRId64 " objects, %+" PRId64 " bytes, %+" PRId64
				     " span bytes (walk minus runtime)\n",
				dobj, dbytes, dspan);
	} else {
		fputs("  runtime counters:  unreadable (see warnings)\n", out);
	}
	fprintf(out, "  typed by runtime:  %" PRIu64 " objects, %" PRIu64 " bytes (%.1f%% of bytes)\n",
		heap->typed_objects, heap->typed_bytes, pct(heap->typed_bytes, heap->bytes));
	fprintf(out, "  runtime-managed:   %" PRIu64 " spans, %" PRIu64 " bytes (goroutine stacks and the like)\n",
		heap->spans_manual, heap->manual_bytes);
	if (heap->spans_bad)
		fprintf(out, "  unreadable spans:  %" PRIu64 " (skipped; see warnings)\n", heap->spans_bad);
}

void cnr_heap_report_json(const struct cnr_heap *heap, const struct cnr_memstats *ms, size_t top, FILE *out)
{
	struct cnr_json j;
	cnr_json_init(&j, out);
	cnr_json_begin_object(&j);
	cnr_json_key(&j, "objects");
	cnr_json_uint(&j, heap->objects);
	cnr_json_key(&j, "bytes");
	cnr_json_uint(&j, heap->bytes);
	cnr_json_key(&j, "spans_in_use");
	cnr_json_uint(&j, heap->spans_in_use);
	cnr_json_key(&j, "span_bytes_in_use");
	cnr_json_uint(&j, heap->span_bytes_in_use);
	cnr_json_key(&j, "manual_spans");
	cnr_json_uint(&j, heap->spans_manual);
	cnr_json_key(&j, "manual_bytes");
	cnr_json_uint(&j, heap->manual_bytes);
	cnr_json_key(&j, "bad_spans");
	cnr_json_uint(&j, heap->spans_bad);
	cnr_json_key(&j, "typed_objects");
	cnr_json_uint(&j, heap->typed_objects);
	cnr_json_key(&j, "typed_bytes");
	cnr_json_uint(&j, heap->typed_bytes);
	cnr_json_key(&j, "runtime");
	if (ms) {
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "HeapObjects");
		cnr_json_uint(&j, ms->heap_objects);
		cnr_json_key(&j, "HeapAlloc");
		cnr_json_uint(&j, ms->heap_alloc);
		cnr_json_key(&j, "HeapInuse");
		cnr_json_uint(&j, ms->heap_inuse);
		cnr_json_key(&j, "UnflushedObjects");
		cnr_json_uint(&j, ms->unflushed_objects);
		cnr_json_key(&j, "UnflushedBytes");
		cnr_json_uint(&j, ms->unflushed_bytes);
		cnr_json_end_object(&j);
	} else {
		cnr_json_null(&j);
	}
	cnr_json_key(&j, "groups");
	cnr_json_begin_array(&j);
	size_t n = top && top < heap->ngroups ? top : heap->ngroups;
	for (size_t i = 0; i < n; i++) {
		const struct cnr_heap_group *g = &heap->groups[i];
		char label[512];
		cnr_heap_group_label(g, label, sizeof(label));
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "type");
		cnr_json_string(&j, label);
		cnr_json_key(&j, "typed");
		cnr_json_bool(&j, g->kind == CNR_GROUP_TYPED);
		cnr_json_key(&j, "type_addr");
		if (g->type)
			cnr_json_hex(&j, g->type->addr);
		else
			cnr_json_null(&j);
		cnr_json_key(&j, "elemsize");
		cnr_json_uint(&j, g->elemsize);
		cnr_json_key(&j, "objects");
		cnr_json_uint(&j, g->objects);
		cnr_json_key(&j, "bytes");
		cnr_json_uint(&j, g->bytes);
		cnr_json_end_object(&j);
	}
	cnr_json_end_array(&j);
	cnr_json_end_object(&j);
}
