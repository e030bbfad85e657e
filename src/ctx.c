// The library context: logging goes through a caller's callback, never to
// stdio [drgn, libxkbcommon].
#include "cnr_internal.h"
#include "util/parallel.h"

#include <stdio.h>
#include <stdlib.h>

CNR_PUBLIC struct cnr_error *cnr_ctx_create(struct cnr_ctx **ret)
{
	struct cnr_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return &cnr_enomem;
	ctx->log_level = CNR_LOG_NONE;
	*ret = ctx;
	return NULL;
}

CNR_PUBLIC void cnr_ctx_destroy(struct cnr_ctx *ctx)
{
	free(ctx);
}

CNR_PUBLIC void cnr_ctx_set_log_fn(struct cnr_ctx *ctx, cnr_log_fn *fn, void *arg)
{
	ctx->log_fn = fn;
	ctx->log_arg = arg;
}

CNR_PUBLIC void cnr_ctx_set_log_level(struct cnr_ctx *ctx, enum cnr_log_level level)
{
	ctx->log_level = level;
}

CNR_PUBLIC unsigned cnr_ctx_warning_count(const struct cnr_ctx *ctx)
{
	return ctx->warnings;
}

CNR_PUBLIC void cnr_ctx_set_jobs(struct cnr_ctx *ctx, unsigned jobs)
{
	ctx->jobs = jobs;
}

unsigned cnr_ctx_jobs(const struct cnr_ctx *ctx)
{
	if (!ctx || !ctx->jobs)
		return cnr_parallel_cpus();
	return ctx->jobs;
}

CNR_PUBLIC void cnr_ctx_set_progress_fn(struct cnr_ctx *ctx, cnr_progress_fn *fn, void *arg)
{
	ctx->progress_fn = fn;
	ctx->progress_arg = arg;
}

enum { PROGRESS_REPORTS = 200 };

void cnr_progress_begin(struct cnr_progress *p, struct cnr_ctx *ctx, const char *phase, uint64_t total)
{
	*p = (struct cnr_progress){ .ctx = ctx, .phase = phase, .total = total, .next = UINT64_MAX };
	if (!ctx || !ctx->progress_fn)
		return;
	p->step = total / PROGRESS_REPORTS ? total / PROGRESS_REPORTS : 1;
	p->next = p->step;
	ctx->progress_fn(phase, 0, total, ctx->progress_arg);
}

void cnr_progress_report(struct cnr_progress *p, uint64_t done)
{
	if (done > p->total)
		done = p->total;
	// The end is reported by cnr_progress_end() only.
	if (done < p->total)
		p->ctx->progress_fn(p->phase, done, p->total, p->ctx->progress_arg);
	p->next = done + p->step > done ? done + p->step : UINT64_MAX;
}

void cnr_progress_end(struct cnr_progress *p)
{
	if (p->ctx && p->ctx->progress_fn)
		p->ctx->progress_fn(p->phase, p->total, p->total, p->ctx->progress_arg);
	p->next = UINT64_MAX;
}

void cnr_log(struct cnr_ctx *ctx, enum cnr_log_level level, const char *fmt, ...)
{
	if (!ctx)
		return;
	if (level == CNR_LOG_WARNING)
		ctx->warnings++;
	if (!ctx->log_fn || level > ctx->log_level)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->log_fn(level, buf, ctx->log_arg);
}

void cnr_warn_error(struct cnr_ctx *ctx, struct cnr_error *err)
{
	if (!err)
		return;
	cnr_warn(ctx, "%s", err->message);
	cnr_error_destroy(err);
}

CNR_PUBLIC const char *cnr_version(void)
{
	return CNR_VERSION_STRING;
}
