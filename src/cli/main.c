// coroner: post-mortem memory-leak analysis of Go programs from core dumps.
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

static const char *const help_usage[] = { "coroner help [COMMAND]", NULL };

static const struct cnr_cmd commands[] = {
	{ "report", cmd_report, "the leak report: summary, suspects with their paths, goroutines, top types",
	  report_usage },
	{ "info", cmd_info, "what the core is: Go version, executable, signal, threads, memory", info_usage },
	{ "goroutines", cmd_goroutines, "every goroutine: state, wait reason, stack, creator, channel waits",
	  goroutines_usage },
	{ "heap", cmd_heap, "objects by type or size class, reconciled with the runtime's counters", heap_usage },
	{ "maps", cmd_maps, "every map in the heap: size, internals, bytes held and retained, who holds it", maps_usage },
	{ "map", cmd_map, "one map in depth: entries and what each retains, value types, key clusters, nesting", map_usage },
	{ "roots", cmd_roots, "the GC roots, named: globals, stack slots, blocked senders, finalizers, defers, panics, timers, weak handles", roots_usage },
	{ "type", cmd_type, "a Go type as the runtime sees it: size, pointer words, fields, methods", type_usage },
	{ "live", cmd_live, "the heap as a graph from its roots: live vs garbage, what each root retains", live_usage },
	{ "path", cmd_path, "who keeps an object alive: shortest pointer chains from named roots", path_usage },
	{ "top", cmd_top, "the heap histogram with retained sizes, by type or by root", top_usage },
	{ "object", cmd_object, "one heap object: size, retained bytes, retainers, first words", object_usage },
	{ "dot", cmd_dot, "the leak suspects' reference chains as a Graphviz graph", dot_usage },
	{ "allocs", cmd_allocs, "the heap profile inside the core: where the memory was allocated (pprof -top)",
	  allocs_usage },
	{ "pprof", cmd_pprof, "a profile for go tool pprof: the in-core heap profile, or the dominator tree (--kind retained)",
	  pprof_usage },
	{ "memstats", cmd_memstats, "runtime.MemStats as ReadMemStats would have computed it", memstats_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
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
	      "CORE is a core dump (kernel or gcore, optionally gzip-compressed) of a Go\n"
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
	return cmd->fn(argc - 1, argv + 1);
}
