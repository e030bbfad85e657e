// Reading the memory this process may still use (see memory_budget.h).
#include "util/memory_budget.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The first number in path (a cgroup file holds one; "max" is none).
static bool read_number(const char *path, uint64_t *ret)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fscanf(f, "%" SCNu64, ret) == 1;
	fclose(f);
	return ok;
}

static bool meminfo_available(uint64_t *ret)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return false;
	char line[256];
	bool ok = false;
	while (!ok && fgets(line, sizeof(line), f)) {
		uint64_t kb;
		if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kb) == 1) {
			*ret = kb * 1024;
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

// What the process's memory cgroup still allows, if it has a limit.
static bool cgroup_headroom(uint64_t *ret)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	char line[4096], path[4400];
	bool ok = false;
	while (!ok && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		uint64_t limit, usage;
		if (strncmp(line, "0::", 3) == 0) {
			// cgroup v2; "max" (no limit) does not parse as a number.
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", line + 3);
			if (!read_number(path, &limit))
				continue;
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", line + 3);
			ok = read_number(path, &usage);
		} else {
			const char *m = strstr(line, ":memory:");
			if (!m)
				continue;
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", m + 8);
			if (!read_number(path, &limit) || limit >= (UINT64_C(1) << 62)) // v1 says "none" with ~2^63
				continue;
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", m + 8);
			ok = read_number(path, &usage);
		}
		if (ok)
			*ret = usage < limit ? limit - usage : 0;
	}
	fclose(f);
	return ok;
}

bool cnr_memory_size_parse(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	unsigned shift = 0;
	switch (*p) {
	case 'K': case 'k': shift = 10; p++; break;
	case 'M': case 'm': shift = 20; p++; break;
	case 'G': case 'g': shift = 30; p++; break;
	default: break;
	}
	if (p == s || *p || (shift && v > UINT64_MAX >> shift))
		return false;
	*ret = v << shift;
	return true;
}

bool cnr_memory_budget_read(struct cnr_memory_budget *ret)
{
	uint64_t avail, headroom, user;
	bool have = meminfo_available(&avail);
	if (have)
		*ret = (struct cnr_memory_budget){ avail, "MemAvailable" };
	if (cgroup_headroom(&headroom) && (!have || headroom < avail)) {
		*ret = (struct cnr_memory_budget){ headroom, "the memory cgroup's limit" };
		have = true;
	}
	const char *env = getenv("CORONER_MEMORY_LIMIT");
	if (env && cnr_memory_size_parse(env, &user) && (!have || user < ret->available)) {
		*ret = (struct cnr_memory_budget){ user, "CORONER_MEMORY_LIMIT" };
		have = true;
	}
	return have;
}
