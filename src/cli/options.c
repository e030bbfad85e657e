// Option parsing and program opening shared by the commands.
#include "cli/cli.h"

#include "goruntime/program.h"
#include "goruntime/roots.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cnr_cli_error(const char *fmt, ...)
{
	va_list ap;
	cnr_cli_progress_clear();
	fputs("coroner: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cnr_cli_print_usage(const char *const *usage, bool to_stderr)
{
	FILE *out = to_stderr ? stderr : stdout;
	for (int i = 0; usage[i]; i++)
		fprintf(out, "%s%s\n", i == 0 ? "usage: " : (usage[i][0] ? "   or: " : ""), usage[i]);
	fputs("\n"
	      "    --exe PATH   the executable (default: the path recorded in the core)\n"
	      "    --json       write JSON instead of text\n"
	      "    --force      go on with an unsupported Go version or a mismatched executable\n"
	      "    --roots KIND,...  only these kinds of GC roots (roots, live, path, object, top):\n"
	      "                 globals, stacks, chans, finalizers, cleanups, defers, panics, timers, weak\n"
	      "    -v           more diagnostics on stderr (-vv for debug)\n",
	      out);
}

int cnr_cli_parse_common(int argc, char **argv, const char *const *usage, struct cnr_common_opts *opts)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' }, { "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },     { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },      { "roots", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	memset(opts, 0, sizeof(*opts));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': opts->exe = optarg; break;
		case 'j': opts->json = true; break;
		case 'f': opts->force = true; break;
		case 'v': opts->verbose++; break;
		case 'h': cnr_cli_print_usage(usage, false); return CNR_EXIT_OK;
		case 'r': {
			const char *bad;
			if (!cnr_root_kinds_parse(optarg, &opts->root_kinds, &bad)) {
				cnr_cli_error("unknown root kind '%.*s' in --roots (kinds: globals, stacks, chans, "
					      "finalizers, cleanups, defers, panics, timers, weak)",
					      (int)strcspn(bad, ","), bad);
				return CNR_EXIT_USAGE;
			}
			break;
		}
		default:
			cnr_cli_error("unknown option '%s'", argv[optind - 1]);
			cnr_cli_print_usage(usage, true);
			return CNR_EXIT_USAGE;
		}
	}
	int rest = argc - optind;
	if (rest < 1 || rest > 2) {
		cnr_cli_error(rest < 1 ? "missing CORE" : "too many arguments");
		cnr_cli_print_usage(usage, true);
		return CNR_EXIT_USAGE;
	}
	opts->core = argv[optind];
	if (rest == 2) {
		if (opts->exe) {
			cnr_cli_error("executable given twice ('%s' and --exe '%s')", argv[optind + 1], opts->exe);
			return CNR_EXIT_USAGE;
		}
		opts->exe = argv[optind + 1];
	}
	return -1;
}

static void log_to_stderr(enum cnr_log_level level, const char *msg, void *arg)
{
	(void)arg;
	const char *prefix = level == CNR_LOG_WARNING ? "warning: " : level == CNR_LOG_DEBUG ? "debug: " : "";
	cnr_cli_progress_clear();
	fprintf(stderr, "coroner: %s%s\n", prefix, msg);
}

int cnr_cli_open(const struct cnr_common_opts *opts, struct cnr_ctx **ctx_ret, struct cnr_program **prog_ret)
{
	struct cnr_ctx *ctx;
	struct cnr_error *err = cnr_ctx_create(&ctx);
	if (err) {
		cnr_cli_error("%s", cnr_error_message(err));
		cnr_error_destroy(err);
		return CNR_EXIT_FATAL;
	}
	cnr_ctx_set_log_fn(ctx, log_to_stderr, NULL);
	cnr_ctx_set_log_level(ctx, opts->verbose >= 2 ? CNR_LOG_DEBUG
				   : opts->verbose == 1 ? CNR_LOG_INFO
							: CNR_LOG_NOTICE);
	cnr_cli_progress_install(ctx, opts->verbose);
	struct cnr_program *prog;
	err = cnr_program_open(ctx, opts->core, opts->exe, opts->force ? CNR_OPEN_FORCE : 0, &prog);
	if (err) {
		cnr_cli_error("%s", cnr_error_message(err));
		cnr_error_destroy(err);
		cnr_ctx_destroy(ctx);
		return CNR_EXIT_FATAL;
	}
	if (opts->root_kinds)
		prog->root_kinds = opts->root_kinds;
	*ctx_ret = ctx;
	*prog_ret = prog;
	return -1;
}

int cnr_cli_finish(struct cnr_ctx *ctx, struct cnr_program *prog)
{
	int code = cnr_ctx_warning_count(ctx) ? CNR_EXIT_PARTIAL : CNR_EXIT_OK;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cnr_cli_error("cannot write the output");
		code = CNR_EXIT_FATAL;
	}
	cnr_program_destroy(prog);
	cnr_ctx_destroy(ctx);
	return code;
}

int cnr_cli_fail(struct cnr_error *err)
{
	cnr_cli_error("%s", cnr_error_message(err));
	cnr_error_destroy(err);
	return CNR_EXIT_FATAL;
}

int cnr_cli_run(int argc, char **argv, const char *const *usage, cnr_cmd_body *body, void *arg)
{
	struct cnr_common_opts opts;
	int r = cnr_cli_parse_common(argc, argv, usage, &opts);
	if (r >= 0)
		return r;
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
	r = cnr_cli_open(&opts, &ctx, &prog);
	if (r >= 0)
		return r;
	r = body(prog, &opts, arg);
	int finish = cnr_cli_finish(ctx, prog);
	return r > finish ? r : finish;
}

bool cnr_cli_take_flag(int *argc, char **argv, const char *flag)
{
	bool found = false;
	int n = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			found = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return found;
}

bool cnr_cli_take_value(int *argc, char **argv, const char *flag, const char **ret)
{
	int n = 0;
	bool ok = true;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], flag) != 0) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc) {
			ok = false;
			continue;
		}
		*ret = argv[++i];
	}
	*argc = n;
	return ok;
}

int cnr_cli_take_addr(int argc, char **argv, const char *const *usage, uint64_t *ret)
{
	if (argc < 2) {
		cnr_cli_error("missing ADDR");
		cnr_cli_print_usage(usage, true);
		return CNR_EXIT_USAGE;
	}
	char *end;
	uint64_t addr = strtoull(argv[1], &end, 0);
	if (*end || !addr) {
		cnr_cli_error("'%s' is not an address", argv[1]);
		return CNR_EXIT_USAGE;
	}
	argv[1] = argv[0];
	*ret = addr;
	return -1;
}

// "--name N" into *ret, a number from min to max; false (said why) if bad.
bool cnr_cli_take_number(int *argc, char **argv, const char *flag, uint32_t min, uint32_t max, uint32_t *ret)
{
	const char *v = NULL;
	if (!cnr_cli_take_value(argc, argv, flag, &v)) {
		cnr_cli_error("%s wants a number", flag);
		return false;
	}
	if (!v)
		return true;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || n < min || n > max) {
		cnr_cli_error("%s wants a number from %" PRIu32 " to %" PRIu32 ", not '%s'", flag, min, max, v);
		return false;
	}
	*ret = (uint32_t)n;
	return true;
}
