// A profile model (analysis/profile.h) as a gzipped profile.proto, the
// format `go tool pprof` reads, encoded with protobuf-c from the project's
// copy of pprof's schema (src/report/profile.proto).
#ifndef CNR_REPORT_PPROF_WRITER_H
#define CNR_REPORT_PPROF_WRITER_H

#include <stdio.h>

#include "analysis/profile.h"

struct cnr_error *cnr_pprof_write(const struct cnr_profile *p, FILE *out);

#endif
