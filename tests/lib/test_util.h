// Helpers shared by the Criterion unit tests: one way to check errors
// [drgn tests/test_util.h drgn_ck_err], and a scratch directory per test.
#ifndef CNR_TESTS_TEST_UTIL_H
#define CNR_TESTS_TEST_UTIL_H

#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "cnr_internal.h"

// "CNR_ERROR_CORRUPT" for CNR_ERROR_CORRUPT, for failure messages.
const char *cnr_test_code_name(enum cnr_error_code code);

// Assert that expr returned no error; on failure show its message.
#define cnr_cr_assert_ok(expr)                                                               \
	do {                                                                                 \
		struct cnr_error *cnr_cr_err_ = (expr);                                      \
		cr_assert(cnr_cr_err_ == NULL, "%s: unexpected %s: %s", #expr,               \
			  cnr_cr_err_ ? cnr_test_code_name(cnr_error_code(cnr_cr_err_)) : "", \
			  cnr_cr_err_ ? cnr_error_message(cnr_cr_err_) : "");                \
	} while (0)

// Assert that expr returned an error of kind code whose message contains
// substr (NULL: any message), then destroy it.
#define cnr_cr_assert_err_msg(expr, code, substr)                                                   \
	do {                                                                                        \
		struct cnr_error *cnr_cr_err_ = (expr);                                             \
		const char *cnr_cr_sub_ = (substr);                                                 \
		cr_assert(cnr_cr_err_ != NULL, "%s: expected %s, got success", #expr, #code);       \
		cr_assert(cnr_error_code(cnr_cr_err_) == (code), "%s: expected %s, got %s: %s",    \
			  #expr, #code, cnr_test_code_name(cnr_error_code(cnr_cr_err_)),            \
			  cnr_error_message(cnr_cr_err_));                                          \
		cr_assert(!cnr_cr_sub_ || strstr(cnr_error_message(cnr_cr_err_), cnr_cr_sub_),      \
			  "%s: message \"%s\" lacks \"%s\"", #expr, cnr_error_message(cnr_cr_err_), \
			  cnr_cr_sub_ ? cnr_cr_sub_ : "");                                          \
		cnr_error_destroy(cnr_cr_err_);                                                     \
	} while (0)

#define cnr_cr_assert_err(expr, code) cnr_cr_assert_err_msg(expr, code, NULL)

// Assert a CNR_ERROR_FAULT at exactly addr whose message contains substr.
#define cnr_cr_assert_fault(expr, addr, substr)                                               \
	do {                                                                                  \
		struct cnr_error *cnr_cr_ferr_ = (expr);                                      \
		uint64_t cnr_cr_addr_ = (addr);                                               \
		cr_assert(cnr_cr_ferr_ != NULL, "%s: expected a fault, got success", #expr);  \
		cr_assert(cnr_error_code(cnr_cr_ferr_) != CNR_ERROR_FAULT ||                  \
				  cnr_error_address(cnr_cr_ferr_) == cnr_cr_addr_,            \
			  "%s: fault at 0x%" PRIx64 ", expected 0x%" PRIx64 " (%s)", #expr,   \
			  cnr_error_address(cnr_cr_ferr_), cnr_cr_addr_,                      \
			  cnr_error_message(cnr_cr_ferr_));                                   \
		cnr_cr_assert_err_msg(cnr_cr_ferr_, CNR_ERROR_FAULT, substr);                 \
	} while (0)

// A committed fixture core opened as a program (cores/fixtures/*/core.gz
// with its exe), for tests that need a real Go core.
struct cnr_test_fixture {
	char core[4096], exe[4096];
	struct cnr_ctx *ctx;
	struct cnr_program *prog;
};

// The number of fixture cores under $CORONER_SOURCE_ROOT/cores/fixtures;
// skips the test, saying why, when there are none.
size_t cnr_test_fixture_count(void);
// Open fixture i (< cnr_test_fixture_count()); close with _close.
void cnr_test_fixture_open(size_t i, struct cnr_test_fixture *f);
void cnr_test_fixture_close(struct cnr_test_fixture *f);

// A scratch directory for this test process, created on first use and
// removed by cnr_test_tmpdir_cleanup() (use it as the test's .fini).
const char *cnr_test_tmpdir(void);
// dir/name inside the scratch directory; freed by cnr_test_tmpdir_cleanup().
const char *cnr_test_path(const char *name);
void cnr_test_tmpdir_cleanup(void);

// A small deterministic PRNG (xorshift64*), so failures reproduce.
static inline uint64_t cnr_test_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif
