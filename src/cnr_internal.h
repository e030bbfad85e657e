// Internal wrapper around <coroner/coroner.h>: definitions shared by every
// layer of the library but not installed.
#ifndef CNR_INTERNAL_H
#define CNR_INTERNAL_H

#include <coroner/coroner.h>
#include <stdarg.h>

#define CNR_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#define CNR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

// The one error table [elfutils DWFL_ERRORS]: code, and the prefix shown
// by `coroner` before messages of that kind when it needs one.
#define CNR_ERRORS                                   \
	CNR_ERROR(NO_MEMORY, "out of memory")         \
	CNR_ERROR(OS, "system error")                 \
	CNR_ERROR(FAULT, "memory fault")              \
	CNR_ERROR(CORRUPT, "corrupt data")            \
	CNR_ERROR(FORMAT, "unsupported file")         \
	CNR_ERROR(MISSING_DEBUG_INFO, "missing debug info") \
	CNR_ERROR(UNSUPPORTED_GO, "unsupported Go version") \
	CNR_ERROR(MISMATCH, "executable mismatch")    \
	CNR_ERROR(NOT_FOUND, "not found")             \
	CNR_ERROR(INVALID, "invalid argument")

struct cnr_error {
	enum cnr_error_code code;
	bool is_static;
	int errnum;        // CNR_ERROR_OS
	uint64_t address;  // CNR_ERROR_FAULT
	char *message;
};

extern struct cnr_error cnr_enomem;

// Create an error with a printf-style message; returns &cnr_enomem if even
// that fails.
struct cnr_error *cnr_error_create(enum cnr_error_code code, const char *fmt, ...)
	CNR_PRINTF(2, 3);
struct cnr_error *cnr_error_vcreate(enum cnr_error_code code, const char *fmt, va_list ap) CNR_PRINTF(2, 0);
// "MESSAGE 'PATH': strerror(errnum)"
struct cnr_error *cnr_error_os(int errnum, const char *path, const char *fmt, ...)
	CNR_PRINTF(3, 4);
// "cannot read N bytes at 0xADDR: REASON"
struct cnr_error *cnr_error_fault(uint64_t address, size_t n, const char *reason);
// Prepend "PREFIX: " to err's message (context as the error travels up).
struct cnr_error *cnr_error_wrap(struct cnr_error *err, const char *fmt, ...) CNR_PRINTF(2, 3);

// Every bad-data path goes through here, so one breakpoint on
// cnr_error_corrupt_at() catches them all [SQLite SQLITE_CORRUPT_BKPT].
struct cnr_error *cnr_error_corrupt_at(const char *file, int line, const char *fmt, ...)
	CNR_PRINTF(3, 4);
#define cnr_error_corrupt(...) cnr_error_corrupt_at(__FILE__, __LINE__, __VA_ARGS__)

// Logging through the context (never stdio).
struct cnr_ctx {
	cnr_log_fn *log_fn;
	void *log_arg;
	enum cnr_log_level log_level;
	unsigned warnings;
	cnr_progress_fn *progress_fn;
	void *progress_arg;
	unsigned jobs; // threads for the heap scans (cnr_ctx_set_jobs); 0 until set
};

// The threads the heap scans run on: cnr_ctx_set_jobs(), or the CPUs the
// process may use (ctx may be NULL).
unsigned cnr_ctx_jobs(const struct cnr_ctx *ctx);

void cnr_log(struct cnr_ctx *ctx, enum cnr_log_level level, const char *fmt, ...)
	CNR_PRINTF(3, 4);
#define cnr_warn(ctx, ...) cnr_log(ctx, CNR_LOG_WARNING, __VA_ARGS__)
#define cnr_notice(ctx, ...) cnr_log(ctx, CNR_LOG_NOTICE, __VA_ARGS__)
#define cnr_info(ctx, ...) cnr_log(ctx, CNR_LOG_INFO, __VA_ARGS__)
#define cnr_debug(ctx, ...) cnr_log(ctx, CNR_LOG_DEBUG, __VA_ARGS__)
// Log err as a warning (counted as a partial result) and destroy it.
void cnr_warn_error(struct cnr_ctx *ctx, struct cnr_error *err);

// Progress of one phase of long work, reported through the context:
//   struct cnr_progress p;
//   cnr_progress_begin(&p, ctx, "dominators", n);
//   for (i = 0; i < n; i++) { ...; cnr_progress_update(&p, i); }
//   cnr_progress_end(&p);
// cnr_progress_update() is one comparison unless a report is due (about
// every 1/200 of the total), so it may sit in hot loops.  ctx may be NULL.
struct cnr_progress {
	struct cnr_ctx *ctx;
	const char *phase;
	uint64_t total, next, step;
};

void cnr_progress_begin(struct cnr_progress *p, struct cnr_ctx *ctx, const char *phase, uint64_t total);
void cnr_progress_report(struct cnr_progress *p, uint64_t done);
static inline void cnr_progress_update(struct cnr_progress *p, uint64_t done)
{
	if (unlikely(done >= p->next))
		cnr_progress_report(p, done);
}
void cnr_progress_end(struct cnr_progress *p);

#endif
