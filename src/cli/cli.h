// The coroner command line: a git-style command table; each command in
// cmd_<name>.c returns an exit code and never calls exit() itself.
#ifndef CNR_CLI_CLI_H
#define CNR_CLI_CLI_H

#include <coroner/coroner.h>
#include <stdbool.h>

// Stable exit codes [elfutils src/stack.c].
enum cnr_exit {
	CNR_EXIT_OK = 0,
	CNR_EXIT_PARTIAL = 1, // results printed, some data unreadable (said on stderr)
	CNR_EXIT_FATAL = 2,
	CNR_EXIT_USAGE = 64,
};

// What an option takes.
enum cnr_cli_arg {
	CNR_ARG_NONE,	 // a flag
	CNR_ARG_TEXT,	 // any value
	CNR_ARG_NUMBER,	 // a decimal number, no sign: "-5" and "5x" are usage errors
	CNR_ARG_ADDRESS, // a nonzero address (0x... or decimal), no sign
};

// One option of a command: its spelling ("--type", or "-k" for a short
// one), its one-letter form if it has both ("--verbose" and 'v'), and
// what it takes.
struct cnr_cli_option {
	const char *flag;
	char shortname;
	enum cnr_cli_arg arg;
};

struct cnr_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *const *usage;
	// The command's own options (the common ones come on top), ending with
	// { NULL }; NULL for a command that parses its own argv (help).
	const struct cnr_cli_option *options;
};

// Put argv (argv[0] the command name) in the one order the commands
// read: the command name, every option as spelled in its spec followed
// by its value, "--", then the operands in the order given — so options
// may come anywhere, as getopt permutes them, "--" ending them, and
// "--name=VALUE", "-kN", "-vv" work.  Checks numbers and addresses.
// Returns -1 with the new argc and argv (NULL-terminated, the caller
// frees the array) in *argc and *argv, or an exit code, said why:
// CNR_EXIT_USAGE, or CNR_EXIT_OK after printing the usage for --help.
int cnr_cli_normalize(int *argc, char ***argv, const struct cnr_cli_option *cmd_options, const char *const *usage);

// Options every command that opens a core takes.
struct cnr_common_opts {
	const char *core;
	const char *exe;
	bool json;
	bool force;
	int verbose;
	uint32_t root_kinds; // --roots KIND,...: bit (1 << enum cnr_root_kind); 0 = all
};

// Parse argv (argv[0] is the command name) into opts; prints usage and
// returns CNR_EXIT_USAGE on error, -1 on success, CNR_EXIT_OK after --help.
int cnr_cli_parse_common(int argc, char **argv, const char *const *usage, struct cnr_common_opts *opts);

// Open the program named by opts, logging to stderr at the chosen level.
// On failure prints the one-line error and returns CNR_EXIT_FATAL.
int cnr_cli_open(const struct cnr_common_opts *opts, struct cnr_ctx **ctx_ret, struct cnr_program **prog_ret);

// Exit code once a command produced its output: PARTIAL if warnings were logged.
int cnr_cli_finish(struct cnr_ctx *ctx, struct cnr_program *prog);

// The body of a command that opens a core: write the output, return
// CNR_EXIT_OK, CNR_EXIT_PARTIAL (something unreadable was said on stderr)
// or CNR_EXIT_FATAL (after cnr_cli_fail()).
typedef int cnr_cmd_body(struct cnr_program *prog, const struct cnr_common_opts *opts, void *arg);

// Parse the common options, open the program, run body, and close it:
// the shared skeleton of every command that reads a core.
int cnr_cli_run(int argc, char **argv, const char *const *usage, cnr_cmd_body *body, void *arg);

// Print err as the one-line fatal error, free it, return CNR_EXIT_FATAL.
int cnr_cli_fail(struct cnr_error *err);

// Remove a command's own flag from argv (before the common options are
// parsed); returns whether it was there.
bool cnr_cli_take_flag(int *argc, char **argv, const char *flag);
// Take the first operand (the first argument after the "--" that
// cnr_cli_normalize puts after the options): on success store it, drop it
// from argv (argv[1] becomes the command name) and return -1; else print
// "missing WHAT" and the usage and return CNR_EXIT_USAGE.  Run the rest as
// argc - 1, argv + 1.
int cnr_cli_take_operand(int argc, char **argv, const char *const *usage, const char *what, char **ret);
// cnr_cli_take_operand for an ADDR operand, checked as an address.
int cnr_cli_take_addr(int argc, char **argv, const char *const *usage, uint64_t *ret);
// A nonzero address (0x..., 0..., or decimal, no sign or blank): false if s is not one.
bool cnr_cli_parse_addr(const char *s, uint64_t *ret);
// A decimal number from 0 to max, digits only: false if s is not one.
bool cnr_cli_parse_number(const char *s, uint64_t max, uint64_t *ret);
// Remove "--name VALUE" from argv; *ret is VALUE or stays untouched.
// Returns false if the flag lacks its value.
bool cnr_cli_take_value(int *argc, char **argv, const char *flag, const char **ret);
// Remove "--name N" from argv into *ret, a number from min to max (*ret
// stays untouched without the flag); false, said why, if it is bad.
bool cnr_cli_take_number(int *argc, char **argv, const char *flag, uint32_t min, uint32_t max, uint32_t *ret);

// Progress of long phases on stderr (src/cli/progress.c): install the
// reporter on ctx (a line on a terminal; with verbose, each phase's time),
// and clear the line before anything else goes to stderr.
void cnr_cli_progress_install(struct cnr_ctx *ctx, int verbose);
void cnr_cli_progress_clear(void);

void cnr_cli_print_usage(const char *const *usage, bool to_stderr);
void cnr_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_info(int argc, char **argv);
extern const char *const info_usage[];
int cmd_goroutines(int argc, char **argv);
extern const char *const memstats_usage[];
int cmd_memstats(int argc, char **argv);
extern const char *const heap_usage[];
int cmd_heap(int argc, char **argv);
extern const char *const map_usage[];
int cmd_map(int argc, char **argv);
extern const char *const maps_usage[];
int cmd_maps(int argc, char **argv);
extern const char *const roots_usage[];
int cmd_roots(int argc, char **argv);
extern const char *const type_usage[];
int cmd_type(int argc, char **argv);
extern const char *const live_usage[];
int cmd_live(int argc, char **argv);
extern const char *const path_usage[];
int cmd_path(int argc, char **argv);
extern const char *const top_usage[];
int cmd_top(int argc, char **argv);
extern const char *const object_usage[];
int cmd_object(int argc, char **argv);
extern const char *const goroutines_usage[];
extern const char *const dot_usage[];
int cmd_dot(int argc, char **argv);
extern const char *const report_usage[];
int cmd_report(int argc, char **argv);
extern const char *const diff_usage[];
int cmd_diff(int argc, char **argv);
extern const char *const allocs_usage[];
int cmd_allocs(int argc, char **argv);
extern const char *const pprof_usage[];
int cmd_pprof(int argc, char **argv);

#endif
