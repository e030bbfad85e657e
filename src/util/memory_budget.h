// How much more memory this process can take before the kernel refuses or
// the OOM killer strikes: the system's MemAvailable, lowered to what the
// process's memory cgroup still allows (v2 memory.max - memory.current,
// v1 memory.limit_in_bytes - memory.usage_in_bytes), and to
// $CORONER_MEMORY_LIMIT (bytes, or with a K, M or G suffix: powers of
// 1024) for a user who wants coroner to keep within less on a shared
// machine.  Analyses that would
// not fit refuse early, saying how much they need, rather than being
// killed halfway.
#ifndef CNR_UTIL_MEMORY_BUDGET_H
#define CNR_UTIL_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

// Parse a size as $CORONER_MEMORY_LIMIT spells it; false if it is not one.
bool cnr_memory_size_parse(const char *s, uint64_t *ret);

struct cnr_memory_budget {
	uint64_t available; // bytes
	const char *limit;  // what set it: "MemAvailable", "the memory cgroup's limit", "CORONER_MEMORY_LIMIT"
};

// False if no figure could be read (not Linux, no /proc): then no limit.
bool cnr_memory_budget_read(struct cnr_memory_budget *ret);

#endif
