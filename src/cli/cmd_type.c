// coroner type NAME: a Go type as the binary's runtime sees it: kind,
// size, where its pointers are, fields, element and key types, methods.
#include "cli/cli.h"

#include <inttypes.h>
#include <stdio.h>

#include "goruntime/maps.h"
#include "goruntime/program.h"
#include "goruntime/types.h"
#include "report/json_writer.h"

const char *const type_usage[] = {
	"coroner type NAME [--json] [--exe PATH] [--force] [-v] CORE [EXE]",
	NULL,
};

static const char *kind_name(unsigned k)
{
	static const char *const names[] = {
		"invalid", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
		"uint64", "uintptr", "float32", "float64", "complex64", "complex128", "array", "chan", "func",
		"interface", "map", "ptr", "slice", "string", "struct", "unsafe.Pointer",
	};
	return k < CNR_ARRAY_SIZE(names) ? names[k] : "?";
}

static int type_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg)
{
	const char *name = arg;
	uint64_t addr;
	struct cnr_type_cache *tc;
	const struct cnr_rtype *t;
	struct cnr_error *err = cnr_runtime_type_by_name(prog, name, &addr);
	if (err)
		return cnr_cli_fail(err);
	if ((err = cnr_type_cache_create(prog, &tc)))
		return cnr_cli_fail(err);
	const uint8_t *mask = NULL;
	uint64_t nwords = 0, nptr = 0;
	if ((err = cnr_type_get(tc, addr, &t)) || (err = cnr_type_ptrmask(tc, t, &mask, &nwords))) {
		cnr_type_cache_destroy(tc);
		return cnr_cli_fail(err);
	}
	for (uint64_t w = 0; w < nwords; w++)
		nptr += mask[w / 8] >> (w % 8) & 1;
	const struct cnr_rtype *elem = NULL, *key = NULL;
	const struct cnr_rfield *fields = NULL;
	size_t nfields = 0;
	struct cnr_uncommon u = { 0 };
	bool have_u = false;
	// What applies to this kind; the rest stays empty.
	err = cnr_type_elem(tc, t, &elem);
	cnr_error_destroy(err);
	err = cnr_type_key(tc, t, &key);
	cnr_error_destroy(err);
	err = cnr_type_fields(tc, t, &fields, &nfields);
	cnr_error_destroy(err);
	err = cnr_type_uncommon(tc, t, &u);
	have_u = !err;
	cnr_error_destroy(err);

	if (opts->json) {
		struct cnr_json j;
		cnr_json_init(&j, stdout);
		cnr_json_begin_object(&j);
		cnr_json_key(&j, "name");
		cnr_json_string(&j, t->name);
		cnr_json_key(&j, "addr");
		cnr_json_hex(&j, t->addr);
		cnr_json_key(&j, "kind");
		cnr_json_string(&j, kind_name(t->kind));
		cnr_json_key(&j, "size");
		cnr_json_uint(&j, t->size);
		cnr_json_key(&j, "ptrdata");
		cnr_json_uint(&j, t->ptrdata);
		cnr_json_key(&j, "pointer_words");
		cnr_json_uint(&j, nptr);
		cnr_json_key(&j, "pointer_ranges");
		cnr_json_begin_array(&j);
		for (uint64_t w = 0; w < nwords;) {
			if (!(mask[w / 8] >> (w % 8) & 1)) {
				w++;
				continue;
			}
			uint64_t start = w;
			while (w < nwords && (mask[w / 8] >> (w % 8) & 1))
				w++;
			cnr_json_begin_array(&j);
			cnr_json_uint(&j, start * 8);
			cnr_json_uint(&j, w * 8);
			cnr_json_end_array(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_key(&j, "elem");
		cnr_json_string(&j, elem ? elem->name : NULL);
		cnr_json_key(&j, "key");
		cnr_json_string(&j, key ? key->name : NULL);
		cnr_json_key(&j, "fields");
		cnr_json_begin_array(&j);
		for (size_t i = 0; i < nfields; i++) {
			cnr_json_begin_object(&j);
			cnr_json_key(&j, "name");
			cnr_json_string(&j, fields[i].name);
			cnr_json_key(&j, "type");
			cnr_json_string(&j, fields[i].type->name);
			cnr_json_key(&j, "offset");
			cnr_json_uint(&j, fields[i].offset);
			cnr_json_end_object(&j);
		}
		cnr_json_end_array(&j);
		cnr_json_key(&j, "pkgpath");
		cnr_json_string(&j, have_u ? u.pkgpath : NULL);
		cnr_json_key(&j, "methods");
		cnr_json_begin_array(&j);
		for (uint16_t i = 0; have_u && i < u.mcount; i++)
			cnr_json_string(&j, u.methods[i]);
		cnr_json_end_array(&j);
		cnr_json_end_object(&j);
	} else {
		printf("type %s (%s) at 0x%" PRIx64 ": %" PRIu64 " bytes, %" PRIu64 " pointer words in the first %" PRIu64
		       " bytes\n",
		       t->name, kind_name(t->kind), t->addr, t->size, nptr, t->ptrdata);
		if (key)
			printf("key:  %s\n", key->name);
		if (elem)
			printf("elem: %s\n", elem->name);
		for (size_t i = 0; i < nfields; i++)
			printf("  +%-6" PRIu64 " %-24s %s\n", fields[i].offset, fields[i].name, fields[i].type->name);
		if (have_u) {
			printf("package %s, %u methods (%u exported)\n", u.pkgpath ? u.pkgpath : "?", u.mcount, u.xcount);
			for (uint16_t i = 0; i < u.mcount; i++)
				printf("  %s\n", u.methods[i] ? u.methods[i] : "?");
		}
	}
	cnr_type_cache_destroy(tc);
	return CNR_EXIT_OK;
}

int cmd_type(int argc, char **argv)
{
	char *name;
	int r = cnr_cli_take_operand(argc, argv, type_usage, "NAME", &name);
	if (r >= 0)
		return r;
	return cnr_cli_run(argc - 1, argv + 1, type_usage, type_body, name);
}
