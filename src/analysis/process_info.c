// The process and its threads (see process_info.h).
#include "analysis/process_info.h"

#include <stdlib.h>
#include <string.h>

struct cnr_error *cnr_process_info_read(struct cnr_program *prog, struct cnr_process_info *ret)
{
	struct cnr_process_info p = { 0 };
	cnr_program_get_info(prog, &p.info);
	p.threads = calloc(p.info.nthreads ? p.info.nthreads : 1, sizeof(*p.threads));
	if (!p.threads)
		return &cnr_enomem;
	for (size_t i = 0; i < p.info.nthreads; i++) {
		struct cnr_thread_info *t = &p.threads[p.nthreads];
		struct cnr_error *err = cnr_program_thread(prog, i, &t->thread);
		if (err) {
			cnr_error_destroy(err);
			continue;
		}
		p.nthreads++;
		err = cnr_program_symbolize(prog, t->thread.pc, &t->sym);
		if (err) {
			cnr_error_destroy(err);
			p.unresolved++;
			t->sym = (struct cnr_symbol){ 0 };
			continue;
		}
		t->symbolized = true;
	}
	*ret = p;
	return NULL;
}

void cnr_process_info_deinit(struct cnr_process_info *p)
{
	free(p->threads);
	memset(p, 0, sizeof(*p));
}
