// Option parsing and program opening shared by the commands.
#include "cli/cli.h"

#include "goruntime/program.h"
#include "goruntime/roots.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_JOBS = 256 }; // util/parallel.c caps its threads there too

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
	      "    -j, --jobs N scan the heap on N threads (default: the CPUs available)\n"
	      "    -v           more diagnostics on stderr (-vv for debug)\n",
	      out);
}

int cnr_cli_parse_common(int argc, char **argv, const char *const *usage, struct cnr_common_opts *opts)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' }, { "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },     { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },      { "roots", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'J' },  { NULL, 0, NULL, 0 },
	};
	memset(opts, 0, sizeof(*opts));
	optind = 0; // 0, not 1: glibc's getopt starts afresh (the argv differs from the last call's)
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': opts->exe = optarg; break;
		case 'j': opts->json = true; break;
		case 'f': opts->force = true; break;
		case 'v': opts->verbose++; break;
		case 'J': {
			uint64_t n;
			if (!cnr_cli_parse_number(optarg, MAX_JOBS, &n) || n < 1) {
				cnr_cli_error("--jobs wants a number from 1 to %d, not '%s'", MAX_JOBS, optarg);
				return CNR_EXIT_USAGE;
			}
			opts->jobs = (unsigned)n;
			break;
		}
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
	cnr_ctx_set_jobs(ctx, opts->jobs);
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

// The index of the "--" that ends the options (argc if there is none).
static int options_end(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i;
	}
	return argc;
}

// Remove argv[at], shifting what comes before it up one place, so that
// argv + 1 is the rest in order (argv[1] is the command name again).
static void drop_shift(char **argv, int at)
{
	for (int i = at; i > 0; i--)
		argv[i] = argv[i - 1];
}

bool cnr_cli_take_flag(int *argc, char **argv, const char *flag)
{
	bool found = false;
	int n = 0, end = options_end(*argc, argv);
	for (int i = 0; i < *argc; i++) {
		if (i < end && strcmp(argv[i], flag) == 0)
			found = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return found;
}

bool cnr_cli_take_value(int *argc, char **argv, const char *flag, const char **ret)
{
	int n = 0, end = options_end(*argc, argv);
	bool ok = true;
	for (int i = 0; i < *argc; i++) {
		if (i >= end || strcmp(argv[i], flag) != 0) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 >= end) {
			ok = false;
			continue;
		}
		*ret = argv[++i];
	}
	*argc = n;
	return ok;
}

int cnr_cli_take_operand(int argc, char **argv, const char *const *usage, const char *what, char **ret)
{
	int at = options_end(argc, argv) + 1;
	if (at >= argc) {
		cnr_cli_error("missing %s", what);
		cnr_cli_print_usage(usage, true);
		return CNR_EXIT_USAGE;
	}
	*ret = argv[at];
	drop_shift(argv, at);
	return -1;
}

int cnr_cli_take_addr(int argc, char **argv, const char *const *usage, uint64_t *ret)
{
	char *operand;
	int r = cnr_cli_take_operand(argc, argv, usage, "ADDR", &operand);
	if (r >= 0)
		return r;
	if (!cnr_cli_parse_addr(operand, ret)) {
		cnr_cli_error("'%s' is not an address", operand);
		return CNR_EXIT_USAGE;
	}
	return -1;
}

bool cnr_cli_parse_addr(const char *s, uint64_t *ret)
{
	// strtoull would take a sign, blanks and wrap "-1" to 2^64-1.
	if (!s[0] || !(s[0] >= '0' && s[0] <= '9'))
		return false;
	errno = 0;
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	if (*end || errno || !v)
		return false;
	*ret = v;
	return true;
}

bool cnr_cli_parse_number(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (max - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return true;
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
	uint64_t n;
	if (!cnr_cli_parse_number(v, UINT32_MAX, &n) || n < min || n > max) {
		cnr_cli_error("%s wants a number from %" PRIu32 " to %" PRIu32 ", not '%s'", flag, min, max, v);
		return false;
	}
	*ret = (uint32_t)n;
	return true;
}

// The options every command that reads a core takes (cnr_cli_parse_common).
static const struct cnr_cli_option common_options[] = {
	{ "--exe", 0, CNR_ARG_TEXT },	  { "--json", 0, CNR_ARG_NONE },   { "--force", 0, CNR_ARG_NONE },
	{ "--verbose", 'v', CNR_ARG_NONE }, { "--help", 'h', CNR_ARG_NONE }, { "--roots", 0, CNR_ARG_TEXT },
	{ "--jobs", 'j', CNR_ARG_NUMBER }, { NULL, 0, 0 },
};

static size_t count_options(const struct cnr_cli_option *o)
{
	size_t n = 0;
	while (o && o[n].flag)
		n++;
	return n;
}

// The option spec a getopt return value stands for (index into all).
static const struct cnr_cli_option *option_of(const struct cnr_cli_option *const *all, const size_t *counts, int c)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			const struct cnr_cli_option *o = &all[k][i];
			if (o->shortname ? c == o->shortname : c == 256 + (int)(k * 1000 + i))
				return o;
		}
	}
	return NULL;
}

int cnr_cli_normalize(int *argc_io, char ***argv_io, const struct cnr_cli_option *cmd_options, const char *const *usage)
{
	int argc = *argc_io;
	char **argv = *argv_io;
	const struct cnr_cli_option *all[2] = { common_options, cmd_options };
	size_t counts[2] = { count_options(common_options), count_options(cmd_options) };
	struct option *longopts = calloc(counts[0] + counts[1] + 1, sizeof(*longopts));
	char **out = calloc((size_t)argc * 2 + 2, sizeof(*out));
	char shortopts[64] = ":"; // ':' first: a missing value is told apart from an unknown option
	size_t ns = 1;
	if (!longopts || !out) {
		free(longopts);
		free(out);
		cnr_cli_error("out of memory");
		return CNR_EXIT_FATAL;
	}
	size_t nl = 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			const struct cnr_cli_option *o = &all[k][i];
			int c = o->shortname ? o->shortname : 256 + (int)(k * 1000 + i);
			if (strncmp(o->flag, "--", 2) == 0)
				longopts[nl++] = (struct option){ o->flag + 2,
								  o->arg == CNR_ARG_NONE ? no_argument : required_argument,
								  NULL, c };
			if (o->shortname && ns + 3 < sizeof(shortopts)) {
				shortopts[ns++] = o->shortname;
				if (o->arg != CNR_ARG_NONE)
					shortopts[ns++] = ':';
			}
		}
	}
	int n = 0, code = -1;
	out[n++] = argv[0];
	optind = 0;
	opterr = 0;
	int c;
	// No '+': getopt permutes, so options may come before, between and
	// after the operands; "--" ends them.
	while (code < 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cnr_cli_option *o = c == '?' || c == ':' ? NULL : option_of(all, counts, c);
		if (c == ':') {
			cnr_cli_error("%s wants a value", argv[optind - 1]);
			code = CNR_EXIT_USAGE;
		} else if (!o) {
			cnr_cli_error("unknown option '%s'", argv[optind - 1]);
			cnr_cli_print_usage(usage, true);
			code = CNR_EXIT_USAGE;
		} else if (o->shortname == 'h') {
			cnr_cli_print_usage(usage, false);
			code = CNR_EXIT_OK;
		} else {
			uint64_t v;
			if (o->arg == CNR_ARG_NUMBER && !cnr_cli_parse_number(optarg, UINT32_MAX, &v)) {
				cnr_cli_error("%s wants a number from 0 to %" PRIu32 ", not '%s'", o->flag, UINT32_MAX, optarg);
				code = CNR_EXIT_USAGE;
			} else if (o->arg == CNR_ARG_ADDRESS && !cnr_cli_parse_addr(optarg, &v)) {
				cnr_cli_error("%s wants an address, not '%s'", o->flag, optarg);
				code = CNR_EXIT_USAGE;
			}
			// Downstream an option is found by its one spelling (argv is
			// char ** for the commands, which never write to it).
			out[n++] = (char *)(uintptr_t)o->flag;
			if (o->arg != CNR_ARG_NONE)
				out[n++] = optarg;
		}
	}
	free(longopts);
	if (code >= 0) {
		free(out);
		return code;
	}
	out[n++] = "--";
	for (int i = optind; i < argc; i++)
		out[n++] = argv[i];
	out[n] = NULL;
	*argc_io = n;
	*argv_io = out;
	return -1;
}
