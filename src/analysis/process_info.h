// `coroner info`'s facts: the program info (Go version, executable and
// build-ID check, signal, how much of the address space the core holds)
// and every thread with its registers' pc and sp, symbolized.
#ifndef CNR_ANALYSIS_PROCESS_INFO_H
#define CNR_ANALYSIS_PROCESS_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "goruntime/program.h"

struct cnr_thread_info {
	struct cnr_thread thread;
	bool symbolized;       // sym holds the pc's function (else it is zeroed)
	struct cnr_symbol sym; // strings owned by the program
};

struct cnr_process_info {
	struct cnr_program_info info;
	struct cnr_thread_info *threads; // the readable ones, in the core's order
	size_t nthreads;
	unsigned unresolved; // threads whose pc could not be symbolized
};

// Free with cnr_process_info_deinit(); valid as long as prog.
struct cnr_error *cnr_process_info_read(struct cnr_program *prog, struct cnr_process_info *ret);
void cnr_process_info_deinit(struct cnr_process_info *p);

#endif
