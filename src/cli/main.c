// coroner: post-mortem memory-leak analysis of Go programs from core dumps.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

static const char *const help_usage[] = { "coroner help [COMMAND]", NULL };

// Each command's own options (the common ones, --exe --json --force
// --roots -v -h, come on top: src/cli/options.c).
static const struct cnr_cli_option no_options[] = { { NULL, 0, 0 } };
static const struct cnr_cli_option report_options[] = {
	{ "--top", 0, CNR_ARG_NUMBER }, { "--max-goroutine-groups", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 }
};
static const struct cnr_cli_option diff_options[] = { { "--top", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 } };
static const struct cnr_cli_option goroutines_options[] = { { "--all", 0, CNR_ARG_NONE }, { NULL, 0, 0 } };
static const struct cnr_cli_option heap_options[] = { { "--top", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 } };
static const struct cnr_cli_option maps_options[] = {
	{ "--type", 0, CNR_ARG_TEXT }, { "--top", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 }
};
static const struct cnr_cli_option map_options[] = {
	{ "--type", 0, CNR_ARG_TEXT },	     { "--limit", 0, CNR_ARG_NUMBER }, { "--sort", 0, CNR_ARG_TEXT },
	{ "--no-retained", 0, CNR_ARG_NONE }, { "--redact", 0, CNR_ARG_NONE }, { NULL, 0, 0 }
};
static const struct cnr_cli_option path_options[] = {
	{ "-k", 'k', CNR_ARG_NUMBER }, { "--type", 0, CNR_ARG_TEXT }, { NULL, 0, 0 }
};
static const struct cnr_cli_option top_options[] = {
	{ "--by", 0, CNR_ARG_TEXT }, { "--group", 0, CNR_ARG_TEXT }, { "--top", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 }
};
static const struct cnr_cli_option allocs_options[] = {
	{ "--sample", 0, CNR_ARG_TEXT }, { "--top", 0, CNR_ARG_NUMBER }, { NULL, 0, 0 }
};
static const struct cnr_cli_option pprof_options[] = {
	{ "--kind", 0, CNR_ARG_TEXT }, { "-o", 'o', CNR_ARG_TEXT }, { "--min-share", 0, CNR_ARG_TEXT }, { NULL, 0, 0 }
};
static const struct cnr_cli_option dot_options[] = {
	{ "--top", 0, CNR_ARG_NUMBER }, { "--max-nodes", 0, CNR_ARG_NUMBER }, { "--from", 0, CNR_ARG_ADDRESS }, { NULL, 0, 0 }
};

static const struct cnr_cmd commands[] = {
	{ "report", cmd_report, "the leak report: summary, suspects with their paths, goroutines, top types",
	  report_usage, report_options },
	{ "diff", cmd_diff, "two cores of one process compared: what grew, new objects and goroutines, what shrank",
	  diff_usage, diff_options },
	{ "info", cmd_info, "what the core is: Go version, executable, signal, threads, memory", info_usage, no_options },
	{ "goroutines", cmd_goroutines, "every goroutine: state, wait reason, stack, creator, channel waits",
	  goroutines_usage, goroutines_options },
	{ "heap", cmd_heap, "objects by type or size class, reconciled with the runtime's counters", heap_usage, heap_options },
	{ "maps", cmd_maps, "every map in the heap: size, internals, bytes held and retained, who holds it", maps_usage, maps_options },
	{ "map", cmd_map, "one map in depth: entries and what each retains, value types, key clusters, nesting", map_usage, map_options },
	{ "roots", cmd_roots, "the GC roots, named: globals, stack slots, blocked senders, finalizers, defers, panics, timers, weak handles", roots_usage, no_options },
	{ "type", cmd_type, "a Go type as the runtime sees it: size, pointer words, fields, methods", type_usage, no_options },
	{ "live", cmd_live, "the heap as a graph from its roots: live vs garbage, what each root retains", live_usage, no_options },
	{ "path", cmd_path, "who keeps an object alive: shortest pointer chains from named roots", path_usage, path_options },
	{ "top", cmd_top, "the heap histogram with retained sizes, by type or by root", top_usage, top_options },
	{ "object", cmd_object, "one heap object: size, retained bytes, retainers, first words", object_usage, no_options },
	{ "dot", cmd_dot, "the leak suspects' reference chains as a Graphviz graph", dot_usage, dot_options },
	{ "allocs", cmd_allocs, "the heap profile inside the core: where the memory was allocated (pprof -top)",
	  allocs_usage, allocs_options },
	{ "pprof", cmd_pprof, "a profile for go tool pprof: the in-core heap profile, or the dominator tree (--kind retained)",
	  pprof_usage, pprof_options },
	{ "memstats", cmd_memstats, "runtime.MemStats as ReadMemStats would have computed it", memstats_usage, no_options },
	{ "help", cmd_help, "show help for a command", help_usage, NULL },
};

static const struct cnr_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static void print_main_usage(FILE *out)
{
	fputs("usage: coroner COMMAND [options] CORE [EXE]\n"
	      "       coroner --version | help [COMMAND]\n"
	      "\n"
	      "CORE is a core dump (kernel or gcore; plain, gzip, zstd, lz4 or xz) of a Go\n"
	      "program; EXE is its executable (default: the path the core records).\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("\nexit status: 0 ok, 1 partial result (see stderr), 2 fatal error, 64 usage error\n", out);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_main_usage(stdout);
		return CNR_EXIT_OK;
	}
	const struct cnr_cmd *cmd = find_command(argv[1]);
	if (!cmd) {
		cnr_cli_error("no command '%s'; see 'coroner help'", argv[1]);
		return CNR_EXIT_USAGE;
	}
	if (cmd->fn == cmd_help) {
		cnr_cli_print_usage(help_usage, false);
		return CNR_EXIT_OK;
	}
	printf("%s: %s\n\n", cmd->name, cmd->summary);
	cnr_cli_print_usage(cmd->usage, false);
	return CNR_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_main_usage(stderr);
		return CNR_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("coroner %s\n", cnr_version());
		return CNR_EXIT_OK;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_main_usage(stdout);
		return CNR_EXIT_OK;
	}
	const struct cnr_cmd *cmd = find_command(name);
	if (!cmd) {
		cnr_cli_error("'%s' is not a coroner command; see 'coroner help'", name);
		return CNR_EXIT_USAGE;
	}
	int cmd_argc = argc - 1;
	char **cmd_argv = argv + 1;
	if (cmd->options) {
		int r = cnr_cli_normalize(&cmd_argc, &cmd_argv, cmd->options, cmd->usage);
		if (r >= 0)
			return r;
	}
	int code = cmd->fn(cmd_argc, cmd_argv);
	if (cmd_argv != argv + 1)
		free(cmd_argv);
	return code;
}
