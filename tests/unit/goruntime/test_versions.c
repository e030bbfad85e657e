// Go version parsing and the per-version table.  Expected rows come from
// the runtime sources cited in src/goruntime/versions.c.
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goruntime/versions.h"
#include "test_util.h"

Test(goruntime, parse_release)
{
	struct cnr_go_version v;
	cr_assert(cnr_go_version_parse("go1.22.12", &v));
	cr_assert_eq(v.major, 1);
	cr_assert_eq(v.minor, 22);
	cr_assert_eq(v.patch, 12);
	cr_assert(!v.devel);
	cr_assert_null(v.experiments);
}

Test(goruntime, parse_experiments_both_separators)
{
	// cmd/link/internal/ld/main.go: " X:" up to 1.25, "-X:" from 1.26.
	struct cnr_go_version v;
	cr_assert(cnr_go_version_parse("go1.26.1-X:nogreenteagc", &v));
	cr_assert_eq(v.minor, 26);
	cr_assert_eq(v.patch, 1);
	cr_assert_str_eq(v.experiments, "nogreenteagc");
	cr_assert(cnr_go_version_parse("go1.24.4 X:noswissmap", &v));
	cr_assert_eq(v.minor, 24);
	cr_assert_str_eq(v.experiments, "noswissmap");
}

Test(goruntime, parse_devel_and_prerelease)
{
	struct cnr_go_version v;
	cr_assert(cnr_go_version_parse("devel go1.28-abcdef0123 Mon Jan 1 00:00:00 2027 +0000", &v));
	cr_assert(v.devel);
	cr_assert_eq(v.minor, 28);
	cr_assert(cnr_go_version_parse("go1.27rc1", &v));
	cr_assert_eq(v.minor, 27);
	cr_assert_eq(v.patch, 0);
	cr_assert(cnr_go_version_parse("go1.21", &v));
	cr_assert_eq(v.minor, 21);
}

Test(goruntime, parse_rejects_garbage)
{
	struct cnr_go_version v;
	cr_assert(!cnr_go_version_parse("", &v));
	cr_assert(!cnr_go_version_parse("gox", &v));
	cr_assert(!cnr_go_version_parse("go", &v));
	cr_assert(!cnr_go_version_parse("go1", &v));
	cr_assert(!cnr_go_version_parse("go1.", &v));
	cr_assert(!cnr_go_version_parse("1.22.1", &v));
	cr_assert(!cnr_go_version_parse("go1.99999999999999", &v));
}

Test(goruntime, supported_range_is_an_error_outside)
{
	struct cnr_go_version v;
	const struct cnr_go_ops *ops;
	cr_assert(cnr_go_version_parse("go1.18.10", &v));
	struct cnr_error *err = cnr_go_ops_for(&v, "go1.18.10", false, &ops);
	cr_assert_not_null(err);
	cr_assert_str_eq(cnr_error_message(err),
			 "unsupported Go version 'go1.18.10': coroner supports go1.19 to go1.27 (--force tries anyway)");
	cnr_cr_assert_err(err, CNR_ERROR_UNSUPPORTED_GO);
	cr_assert(cnr_go_version_parse("go1.28.0", &v));
	cnr_cr_assert_err(cnr_go_ops_for(&v, "go1.28.0", false, &ops), CNR_ERROR_UNSUPPORTED_GO);
	cr_assert(cnr_go_version_parse("go2.0.0", &v));
	cnr_cr_assert_err(cnr_go_ops_for(&v, "go2.0.0", false, &ops), CNR_ERROR_UNSUPPORTED_GO);
}

Test(goruntime, force_picks_nearest_row)
{
	struct cnr_go_version v;
	const struct cnr_go_ops *ops;
	cr_assert(cnr_go_version_parse("go1.28.0", &v));
	cnr_cr_assert_ok(cnr_go_ops_for(&v, "go1.28.0", true, &ops));
	cr_assert_eq(ops->minor, 27);
	cr_assert(cnr_go_version_parse("go1.18.0", &v));
	cnr_cr_assert_ok(cnr_go_ops_for(&v, "go1.18.0", true, &ops));
	cr_assert_eq(ops->minor, 19);
}

Test(goruntime, rows_match_runtime_sources)
{
	struct cnr_go_version v;
	const struct cnr_go_ops *ops;
	static const struct {
		const char *text;
		unsigned minor;
		uint32_t magic;
		bool text_start;
	} want[] = {
		// runtime/symtab.go 1.19 Go118PCLnTabMagic; 1.21+ Go120PCLnTabMagic;
		// 1.26 pcHeader: "textStart ... no longer stored".
		{ "go1.19.8", 19, 0xfffffff0, true },  { "go1.21.13", 21, 0xfffffff1, true },
		{ "go1.22.12", 22, 0xfffffff1, true }, { "go1.23.5", 23, 0xfffffff1, true },
		{ "go1.24.4", 24, 0xfffffff1, true },  { "go1.25.12", 25, 0xfffffff1, true },
		{ "go1.26.10", 26, 0xfffffff1, false }, { "go1.27.3", 27, 0xfffffff1, false },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert(cnr_go_version_parse(want[i].text, &v));
		cnr_cr_assert_ok(cnr_go_ops_for(&v, want[i].text, false, &ops));
		cr_assert_eq(ops->minor, want[i].minor, "%s", want[i].text);
		cr_assert_eq(ops->pclntab_magic, want[i].magic, "%s", want[i].text);
		cr_assert_eq(ops->pcheader_has_text_start, want[i].text_start, "%s", want[i].text);
	}
}

Test(goruntime, timers_heap_of_timerwhen_from_1_23)
{
	// runtime/runtime2.go: p.timers []*timer up to 1.22; runtime/time.go
	// (1.23+): p.timers is a timers struct, heap []timerWhen.
	struct cnr_go_version v;
	const struct cnr_go_ops *ops;
	static const struct {
		const char *text;
		bool when_heap;
	} want[] = { { "go1.19.8", false }, { "go1.21.13", false }, { "go1.22.12", false },
		     { "go1.23.5", true },  { "go1.24.4", true },   { "go1.27.4", true } };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert(cnr_go_version_parse(want[i].text, &v));
		cnr_cr_assert_ok(cnr_go_ops_for(&v, want[i].text, false, &ops));
		cr_assert_eq(ops->timers_when_heap, want[i].when_heap, "%s", want[i].text);
	}
}

// The supported range is one list, cores/go-versions, that the matrix
// script and the e2e tests read: the table must have a row for each listed
// release and claim no range past the list's ends.
Test(goruntime, table_matches_the_supported_list)
{
	const char *root = getenv("CORONER_SOURCE_ROOT");
	char path[4096], line[64];
	snprintf(path, sizeof(path), "%s/cores/go-versions", root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		cr_skip_test("no %s (set CORONER_SOURCE_ROOT)", path);
	unsigned first = 0, last = 0, n = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned major, minor;
		if (line[0] == '#' || sscanf(line, "%u.%u", &major, &minor) != 2)
			continue;
		cr_assert_eq(major, 1, "%s: %s", path, line);
		cr_assert(minor > last, "%s: releases in order", path);
		char text[32];
		snprintf(text, sizeof(text), "go1.%u.1", minor);
		struct cnr_go_version v;
		const struct cnr_go_ops *ops;
		cr_assert(cnr_go_version_parse(text, &v));
		cnr_cr_assert_ok(cnr_go_ops_for(&v, text, false, &ops));
		cr_assert_eq(ops->minor, minor, "no row for go1.%u in versions.c", minor);
		first = n++ ? first : minor;
		last = minor;
	}
	fclose(f);
	cr_assert_gt(n, 1, "%s lists no releases", path);
	cr_assert_eq(cnr_go_min_minor, first, "versions.c supports from go1.%u, the list from go1.%u", cnr_go_min_minor, first);
	cr_assert_eq(cnr_go_max_minor, last, "versions.c supports up to go1.%u, the list to go1.%u", cnr_go_max_minor, last);
}
