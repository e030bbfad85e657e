// The only file that compares Go versions.  Each row cites where its facts
// come from in that release's runtime source (golang-1.NN-src).
#include "goruntime/versions.h"

#include <stdlib.h>
#include <string.h>

// runtime/symtab.go (1.19): Go118PCLnTabMagic = 0xfffffff0.
// runtime/symtab.go (1.21), internal/abi/symtab.go (1.26+): Go120PCLnTabMagic = 0xfffffff1.
#define PCLN_GO118 0xfffffff0u // Go118PCLnTabMagic
#define PCLN_GO120 0xfffffff1u // Go120PCLnTabMagic

#define ROW(minor_, magic, text_start, headroom, headers, gcprog, ondemand, swiss, greentea, timerwhen, \
	    hide_internal, size_label)                                                                    \
	{ .minor = minor_, .pclntab_magic = magic, .pcheader_has_text_start = text_start,                 \
	  .mem_limit_headroom_percent = headroom, .malloc_headers = headers, .kind_gcprog = gcprog,        \
	  .tflag_gcmask_on_demand = ondemand, .swiss_maps = swiss, .greentea_default = greentea,           \
	  .timers_when_heap = timerwhen, .pprof_hides_internal_runtime = hide_internal,                   \
	  .pprof_size_label_always = size_label }

static const struct cnr_go_ops go_versions[] = {
	//  1.NN  pclntab magic  pcHeader.textStart  memory-limit headroom %  malloc headers
	//       KindGCProg  TFlagGCMaskOnDemand  Swiss maps  Green Tea GC  p.timers.heap []timerWhen
	//       runtime/pprof protomem.go: hides internal/runtime/ frames  "bytes" label = ObjectSize
	ROW(19, PCLN_GO118, true, 0, false, 0x40, 0, false, false, false, false, false),
	// Go 1.20: no Debian package to test with; its runtime source names the
	// Go120 magic (runtime/symtab.go go1.20).
	ROW(20, PCLN_GO120, true, 3, false, 0x40, 0, false, false, false, false, false),
	ROW(21, PCLN_GO120, true, 3, false, 0x40, 0, false, false, false, false, false),
	ROW(22, PCLN_GO120, true, 3, true, 0x40, 0, false, false, false, false, false),
	ROW(23, PCLN_GO120, true, 3, true, 0x40, 0, false, false, true, false, false),
	ROW(24, PCLN_GO120, true, 3, true, 0, 0x10, true, false, true, true, false),
	ROW(25, PCLN_GO120, true, 3, true, 0, 0x10, true, false, true, true, false),
	ROW(26, PCLN_GO120, false, 3, true, 0, 0x10, true, true, true, true, false),
	ROW(27, PCLN_GO120, false, 3, true, 0, 0x10, true, true, true, true, true),
};
#undef ROW

const unsigned cnr_go_min_minor = 19, cnr_go_max_minor = 27;

static bool parse_uint(const char **p, unsigned *ret)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 100000)
			return false;
		s++;
	}
	*ret = (unsigned)v;
	*p = s;
	return true;
}

bool cnr_go_version_parse(const char *s, struct cnr_go_version *ret)
{
	struct cnr_go_version v = { 0 };
	if (strncmp(s, "devel ", 6) == 0) {
		v.devel = true;
		s += 6;
	}
	if (strncmp(s, "go", 2) != 0)
		return false;
	s += 2;
	if (!parse_uint(&s, &v.major) || *s != '.' || (s++, !parse_uint(&s, &v.minor)))
		return false;
	if (*s == '.') {
		s++;
		if (!parse_uint(&s, &v.patch))
			return false;
	}
	// Pre-releases ("go1.27rc1") and experiments follow; we keep only the
	// experiment list (cmd/link/internal/ld/main.go: " X:" up to 1.25,
	// "-X:" from 1.26).
	const char *x = strstr(s, "X:");
	if (x && x > s && (x[-1] == ' ' || x[-1] == '-'))
		v.experiments = x + 2;
	*ret = v;
	return true;
}

struct cnr_error *cnr_go_ops_for(const struct cnr_go_version *v, const char *text, bool force,
				 const struct cnr_go_ops **ret)
{
	size_t n = CNR_ARRAY_SIZE(go_versions);
	bool in_range = v->major == 1 && v->minor >= cnr_go_min_minor && v->minor <= cnr_go_max_minor;
	if (!in_range && !force)
		return cnr_error_create(CNR_ERROR_UNSUPPORTED_GO,
					"unsupported Go version '%s': coroner supports go1.%u to go1.%u "
					"(--force tries anyway)",
					text, cnr_go_min_minor, cnr_go_max_minor);
	const struct cnr_go_ops *best = &go_versions[0];
	for (size_t i = 0; i < n; i++) {
		if (v->major > 1 || go_versions[i].minor <= v->minor)
			best = &go_versions[i];
	}
	*ret = best;
	return NULL;
}

bool cnr_go_malloc_headers(const struct cnr_go_ops *ops, const struct cnr_go_version *v)
{
	// 1.22 only: allocheaders could be turned off (the flag is gone in 1.23).
	if (v->experiments && strstr(v->experiments, "noallocheaders"))
		return false;
	return ops->malloc_headers;
}

bool cnr_go_swiss_maps(const struct cnr_go_ops *ops, const struct cnr_go_version *v)
{
	// 1.24-1.25 only: noswissmap brings back the old maps (gone in 1.26).
	if (ops->minor < 26 && v->experiments && strstr(v->experiments, "noswissmap"))
		return false;
	return ops->swiss_maps;
}

enum cnr_heap_bits cnr_go_heap_bits(const struct cnr_go_ops *ops, const struct cnr_go_version *v)
{
	if (ops->minor <= 19)
		return CNR_HEAP_BITS_ARENA_2BIT;
	return cnr_go_malloc_headers(ops, v) ? CNR_HEAP_BITS_SPAN : CNR_HEAP_BITS_ARENA_1BIT;
}

bool cnr_go_greentea(const struct cnr_go_ops *ops, const struct cnr_go_version *v)
{
	// The experiment exists from 1.25 (internal/buildcfg/exp.go).
	if (ops->minor < 25)
		return false;
	if (v->experiments && strstr(v->experiments, "nogreenteagc"))
		return false;
	if (v->experiments && strstr(v->experiments, "greenteagc"))
		return true;
	return ops->greentea_default;
}

struct cnr_go_inline_marks cnr_go_span_inline_marks(const struct cnr_go_ops *ops, const struct cnr_go_version *v)
{
	// runtime/mgcmark_greenteagc.go spanInlineMarkBits: 128 bytes at the
	// span's end (gcUsesSpanInlineMarkBits: 16..512-byte elements; the
	// heap bitmap exists only up to 512 bytes anyway).
	enum { INLINE_MARK_BYTES = 128, MIN_ELEM = 16 };
	return (struct cnr_go_inline_marks){ cnr_go_greentea(ops, v) ? INLINE_MARK_BYTES : 0, MIN_ELEM };
}
