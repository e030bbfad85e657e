// What a cut-short core lost: the address ranges its file's end cut off
// (systemd-coredump's size limits, a full disk, gcore's notes written
// last), and what the runtime kept there, so that a partial report can
// say what it could not count.
#ifndef CNR_GORUNTIME_MISSING_H
#define CNR_GORUNTIME_MISSING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cnr_program;
struct cnr_heap_graph;

enum { CNR_MISSING_SHOWN = 3 }; // ranges listed by address; the rest counted

struct cnr_missing {
	bool truncated;       // the core file ends before some of its segments or notes
	bool notes_lost;      // some notes are gone (all of them when nthreads is 0)
	uint64_t bytes;       // bytes of the process's memory cut off
	size_t nranges;
	struct {
		uint64_t start, end;
	} ranges[CNR_MISSING_SHOWN]; // the first ones, by address
	uint64_t spans;       // mheap_.allspans entries whose mspan was cut off
	uint64_t heap_bytes;  // bytes of readable spans' memory cut off
	uint64_t *goids;      // goroutines whose stack was cut off or not read, by id
	size_t ngoids;
};

// Fill ret from the core and the heap graph built from it (all zeros for
// a whole core).  Free with cnr_missing_deinit().
void cnr_missing_compute(struct cnr_program *prog, const struct cnr_heap_graph *hg, struct cnr_missing *ret);
void cnr_missing_deinit(struct cnr_missing *m);

#endif
