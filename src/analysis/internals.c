// Runtime and standard-library internals (see internals.h).
#include "analysis/internals.h"

#include <string.h>

bool cnr_symbol_is_std(const char *name)
{
	if (!name || !*name)
		return false;
	size_t end = strcspn(name, " "); // a root's name may go on with a path
	const char *slash = NULL;
	for (const char *p = name; p < name + end; p++) {
		if (*p == '/')
			slash = p;
	}
	const char *dot = memchr(slash ? slash : name, '.', end - (size_t)((slash ? slash : name) - name));
	if (!dot)
		return false;
	size_t pkg_len = (size_t)(dot - name);
	if (pkg_len == 4 && strncmp(name, "main", 4) == 0)
		return false;
	size_t first = strcspn(name, "/");
	if (first > pkg_len)
		first = pkg_len;
	return memchr(name, '.', first) == NULL; // "github.com/...": not std
}

bool cnr_root_is_internal(const struct cnr_root *r)
{
	return r && r->kind == CNR_ROOT_GLOBAL && cnr_symbol_is_std(r->name);
}
