#include "test_util.h"

#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *cnr_test_code_name(enum cnr_error_code code)
{
	switch (code) {
#define CNR_ERROR(name, desc) \
	case CNR_ERROR_##name: \
		return "CNR_ERROR_" #name;
		CNR_ERRORS
#undef CNR_ERROR
	}
	return "CNR_ERROR_(unknown)";
}

// Criterion runs each test in its own process, so per-process state is
// per-test state.
static char *tmpdir;
static char **paths;
static size_t npaths;

const char *cnr_test_tmpdir(void)
{
	if (tmpdir)
		return tmpdir;
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	char *t;
	cr_assert(asprintf(&t, "%s/coroner-test-XXXXXX", base) >= 0);
	cr_assert(mkdtemp(t) != NULL, "cannot create a directory under '%s'", base);
	tmpdir = t;
	return tmpdir;
}

const char *cnr_test_path(const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", cnr_test_tmpdir(), name) >= 0);
	char **np = realloc(paths, (npaths + 1) * sizeof(*paths));
	cr_assert(np != NULL);
	paths = np;
	paths[npaths++] = p;
	return p;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void cnr_test_tmpdir_cleanup(void)
{
	if (tmpdir)
		nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	paths = NULL;
	npaths = 0;
}

static bool fixture_glob(glob_t *g)
{
	const char *root = getenv("CORONER_SOURCE_ROOT");
	char pattern[4096];
	snprintf(pattern, sizeof(pattern), "%s/cores/fixtures/*/core.gz", root ? root : ".");
	return glob(pattern, 0, NULL, g) == 0;
}

size_t cnr_test_fixture_count(void)
{
	glob_t g;
	if (!fixture_glob(&g))
		cr_skip_test("no fixture cores under cores/fixtures (set CORONER_SOURCE_ROOT)");
	size_t n = g.gl_pathc;
	globfree(&g);
	return n;
}

void cnr_test_fixture_open(size_t i, struct cnr_test_fixture *f)
{
	glob_t g;
	cr_assert(fixture_glob(&g) && i < g.gl_pathc);
	snprintf(f->core, sizeof(f->core), "%s", g.gl_pathv[i]);
	globfree(&g);
	snprintf(f->exe, sizeof(f->exe), "%.*s/exe", (int)(strrchr(f->core, '/') - f->core), f->core);
	cnr_cr_assert_ok(cnr_ctx_create(&f->ctx));
	cnr_cr_assert_ok(cnr_program_open(f->ctx, f->core, f->exe, 0, &f->prog));
}

void cnr_test_fixture_close(struct cnr_test_fixture *f)
{
	cnr_program_destroy(f->prog);
	cnr_ctx_destroy(f->ctx);
}
