/**
 * @file coroner.h
 * The public API of libcoroner: post-mortem analysis of Go programs from
 * their core dumps.
 *
 * Every function that can fail returns a `struct cnr_error *`; NULL means
 * success.  The caller owns a returned error and frees it with
 * cnr_error_destroy().  The library never prints; it logs through the
 * callback set with cnr_ctx_set_log_fn().
 */
#ifndef CORONER_H
#define CORONER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CNR_PUBLIC __attribute__((visibility("default")))
#else
#define CNR_PUBLIC
#endif

/** The version of coroner itself. */
CNR_PUBLIC const char *cnr_version(void);

/* ------------------------------------------------------------------ */
/** @name Errors */

/** Kinds of error; see cnr_error_code(). */
enum cnr_error_code {
	CNR_ERROR_NO_MEMORY,      /**< allocation failed */
	CNR_ERROR_OS,             /**< a system call failed; errnum and path set */
	CNR_ERROR_FAULT,          /**< target memory unreadable; address set */
	CNR_ERROR_CORRUPT,        /**< the core or executable holds bad data */
	CNR_ERROR_FORMAT,         /**< not a core / not ELF / wrong machine */
	CNR_ERROR_MISSING_DEBUG_INFO, /**< executable lacks what we need */
	CNR_ERROR_UNSUPPORTED_GO, /**< Go version outside the supported range */
	CNR_ERROR_MISMATCH,       /**< executable does not belong to the core */
	CNR_ERROR_NOT_FOUND,      /**< a looked-up name or address is absent */
	CNR_ERROR_INVALID,        /**< invalid argument from the caller */
};

/** An error: a code, a one-line message and, for faults, an address. */
struct cnr_error;

/** @return the kind of @p err. */
CNR_PUBLIC enum cnr_error_code cnr_error_code(const struct cnr_error *err);
/** @return the one-line message of @p err; valid until it is destroyed. */
CNR_PUBLIC const char *cnr_error_message(const struct cnr_error *err);
/** @return the faulting target address of a CNR_ERROR_FAULT, else 0. */
CNR_PUBLIC uint64_t cnr_error_address(const struct cnr_error *err);
/** Free @p err; does nothing for NULL or the static out-of-memory error. */
CNR_PUBLIC void cnr_error_destroy(struct cnr_error *err);

/* ------------------------------------------------------------------ */
/** @name Context and logging */

enum cnr_log_level {
	CNR_LOG_NONE,
	CNR_LOG_WARNING,
	CNR_LOG_NOTICE, /**< worth saying, not a problem (not counted as a warning) */
	CNR_LOG_INFO,
	CNR_LOG_DEBUG,
};

/** A log callback: one message, without a trailing newline. */
typedef void cnr_log_fn(enum cnr_log_level level, const char *msg, void *arg);

/** Library context: logging settings shared by everything opened with it. */
struct cnr_ctx;

/**
 * Create a context; the default log level is CNR_LOG_NONE.
 * @param[out] ret the new context; free with cnr_ctx_destroy().
 */
CNR_PUBLIC struct cnr_error *cnr_ctx_create(struct cnr_ctx **ret);
/** Free @p ctx; does nothing for NULL. */
CNR_PUBLIC void cnr_ctx_destroy(struct cnr_ctx *ctx);
/** Set the callback that receives log messages. */
CNR_PUBLIC void cnr_ctx_set_log_fn(struct cnr_ctx *ctx, cnr_log_fn *fn, void *arg);
/** Set the most verbose level passed to the callback. */
CNR_PUBLIC void cnr_ctx_set_log_level(struct cnr_ctx *ctx, enum cnr_log_level level);
/**
 * @return how many warnings (bad data skipped, partial results) were logged
 * through @p ctx so far; the CLI turns a non-zero count into exit status 1.
 */
CNR_PUBLIC unsigned cnr_ctx_warning_count(const struct cnr_ctx *ctx);
/**
 * Run the heap scan that builds the object graph (every object's pointer
 * words) on @p jobs threads; 0 (the default) means the CPUs the process may run on
 * (sched_getaffinity).  The results are the same whatever @p jobs.
 */
CNR_PUBLIC void cnr_ctx_set_jobs(struct cnr_ctx *ctx, unsigned jobs);

/**
 * A progress callback for long work (the heap graph and its dominators on
 * big heaps): the library is @p done units out of @p total into the phase
 * named @p phase (a static string such as "dominators").  Each phase is
 * reported first with done == 0 and last with done == total, and in
 * between at most about 200 times; phases do not nest.  Called from the
 * thread that called the library.
 */
typedef void cnr_progress_fn(const char *phase, uint64_t done, uint64_t total, void *arg);
/** Set the callback that receives progress reports (none by default). */
CNR_PUBLIC void cnr_ctx_set_progress_fn(struct cnr_ctx *ctx, cnr_progress_fn *fn, void *arg);

/* ------------------------------------------------------------------ */
/** @name Programs: a core dump plus its executable */

/** A core dump opened together with the Go executable that produced it. */
struct cnr_program;

/** Flags for cnr_program_open(). */
enum cnr_open_flags {
	/** Try an unsupported Go version or a mismatched executable anyway. */
	CNR_OPEN_FORCE = 1 << 0,
};

/**
 * Open a core dump (plain, or compressed with gzip, zstd, lz4 or xz) and its executable.
 * @param[in] ctx context for logging; must outlive the program.
 * @param[in] core_path the core file.
 * @param[in] exe_path the executable, or NULL for the path the core records.
 * @param[in] flags a mask of enum cnr_open_flags.
 * @param[out] ret the program; free with cnr_program_destroy().
 */
CNR_PUBLIC struct cnr_error *cnr_program_open(struct cnr_ctx *ctx, const char *core_path,
					      const char *exe_path, unsigned flags,
					      struct cnr_program **ret);
/** Free @p prog; does nothing for NULL. */
CNR_PUBLIC void cnr_program_destroy(struct cnr_program *prog);

/**
 * Read @p n bytes of target memory at @p addr into @p buf.  Memory that the
 * core did not save is a CNR_ERROR_FAULT naming the address, never zeros.
 */
CNR_PUBLIC struct cnr_error *cnr_program_read(struct cnr_program *prog, uint64_t addr,
					      void *buf, size_t n);

/** Facts about the process and its core, as `coroner info` shows them. */
struct cnr_program_info {
	const char *go_version;   /**< runtime.buildVersion, e.g. "go1.22.12" */
	const char *goarch;       /**< "amd64" or "arm64", from the core's e_machine */
	const char *core_path;    /**< the core file opened */
	const char *exe_path;     /**< the executable used */
	const char *exe_path_in_core; /**< the executable path the core records, or NULL */
	const char *process_name; /**< command name from NT_PRPSINFO, or NULL */
	const char *process_args; /**< arguments from NT_PRPSINFO, or NULL */
	int pid;                  /**< process id, or 0 */
	/** Whether the executable's Go build ID equals the one in the core's memory. */
	enum {
		CNR_BUILD_ID_MATCH,
		CNR_BUILD_ID_MISMATCH,
		CNR_BUILD_ID_UNKNOWN,
		CNR_BUILD_ID_REBUILD, /**< differs, but verified as a rebuild of the same program */
	} build_id;
	const char *build_id_exe;  /**< Go build ID of the executable, or NULL */
	const char *build_id_core; /**< Go build ID read from the core, or NULL */
	bool compressed;          /**< the core was compressed */
	const char *compression;  /**< "gzip", "zstd", "lz4" or "xz"; NULL if not compressed */
	bool truncated;           /**< the core file is shorter than its headers say */
	int signal;               /**< the signal that produced the core, 0 if none */
	int signal_code;          /**< si_code of that signal */
	uint64_t signal_addr;     /**< si_addr for fault signals */
	uint64_t bytes_in_core;   /**< mapped bytes whose contents the core holds */
	uint64_t bytes_from_exe;  /**< mapped bytes served from the executable */
	uint64_t bytes_missing;   /**< readable mapped bytes neither holds */
	uint64_t bytes_no_access; /**< PROT_NONE reservations (never readable) */
	size_t nthreads;          /**< number of threads (NT_PRSTATUS notes) */
};

/**
 * @param[out] ret facts about @p prog; its strings live as long as @p prog.
 */
CNR_PUBLIC void cnr_program_get_info(struct cnr_program *prog, struct cnr_program_info *ret);

/** One thread of the process at the time of the core. */
struct cnr_thread {
	int tid;          /**< kernel thread id (LWP) */
	int signal;       /**< pending signal of the thread (pr_cursig) */
	uint64_t pc, sp;  /**< rip and rsp (amd64), pc and sp (arm64) */
	uint64_t lr;      /**< the link register x30 (arm64), 0 on amd64 */
	uint64_t tls;     /**< thread pointer saved in the core (amd64 fs_base), or 0 */
	uint64_t g;       /**< the runtime.g the thread ran (arm64 R28, amd64 the TLS slot at fs_base-8), or 0 */
};

/** @param[out] ret thread @p i, for i < cnr_program_info.nthreads. */
CNR_PUBLIC struct cnr_error *cnr_program_thread(struct cnr_program *prog, size_t i,
						struct cnr_thread *ret);

/** Where a program counter lies in the source. */
struct cnr_symbol {
	const char *function; /**< e.g. "runtime.gopark", or NULL if unknown */
	uint64_t entry;       /**< the function's first pc */
	const char *file;     /**< source file, or NULL if unknown */
	int line;             /**< line number, or 0 if unknown */
};

/**
 * Symbolize @p pc from the executable's DWARF.
 * @param[out] ret strings valid until cnr_program_destroy().
 * @return CNR_ERROR_NOT_FOUND if no function contains @p pc.
 */
CNR_PUBLIC struct cnr_error *cnr_program_symbolize(struct cnr_program *prog, uint64_t pc,
						   struct cnr_symbol *ret);

#ifdef __cplusplus
}
#endif

#endif /* CORONER_H */
