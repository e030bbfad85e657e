// The only sanctioned use of __attribute__((cleanup)) [drgn cleanup.h].
#ifndef CNR_UTIL_CLEANUP_H
#define CNR_UTIL_CLEANUP_H

#include <stdlib.h>

static inline void cnr_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(cnr_freep)))

// Hand a _cleanup_free_ pointer out without freeing it.
#define no_cleanup_ptr(p)                    \
	({                                   \
		__auto_type __ptr = (p);     \
		(p) = NULL;                  \
		__ptr;                       \
	})

#endif
