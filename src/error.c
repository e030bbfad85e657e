// Errors: one returned struct, messages in the style of git
// ("cannot read 'runtime.allgs' at 0x...: memory not saved in core dump").
#include "cnr_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cnr_error cnr_enomem = {
	.code = CNR_ERROR_NO_MEMORY,
	.is_static = true,
	.message = "cannot allocate memory",
};

struct cnr_error *cnr_error_vcreate(enum cnr_error_code code, const char *fmt, va_list ap)
{
	struct cnr_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &cnr_enomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &cnr_enomem;
	}
	err->code = code;
	return err;
}

struct cnr_error *cnr_error_create(enum cnr_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct cnr_error *err = cnr_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct cnr_error *cnr_error_os(int errnum, const char *path, const char *fmt, ...)
{
	char *what;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0)
		return &cnr_enomem;
	struct cnr_error *err =
		cnr_error_create(CNR_ERROR_OS, "%s '%s': %s", what, path, strerror(errnum));
	free(what);
	if (err != &cnr_enomem)
		err->errnum = errnum;
	return err;
}

struct cnr_error *cnr_error_fault(uint64_t address, size_t n, const char *reason)
{
	struct cnr_error *err = cnr_error_create(CNR_ERROR_FAULT, "cannot read %zu bytes at 0x%" PRIx64 ": %s",
						 n, address, reason);
	if (err != &cnr_enomem)
		err->address = address;
	return err;
}

struct cnr_error *cnr_error_wrap(struct cnr_error *err, const char *fmt, ...)
{
	if (!err || err->is_static)
		return err;
	char *prefix;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err;
	// One prefix per message: an error that already starts with this
	// context ("map at 0x...: ..." or "map at 0x... claims ...") keeps it once.
	size_t plen = strlen(prefix);
	if (strncmp(err->message, prefix, plen) == 0 &&
	    (err->message[plen] == ':' || err->message[plen] == ' ' || err->message[plen] == '\0')) {
		free(prefix);
		return err;
	}
	char *msg;
	if (asprintf(&msg, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(prefix);
	return err;
}

struct cnr_error *cnr_error_corrupt_at(const char *file, int line, const char *fmt, ...)
{
	// file:line go to the debug log of the caller, not the message: users
	// read the message, developers set a breakpoint here.
	(void)file;
	(void)line;
	va_list ap;
	va_start(ap, fmt);
	struct cnr_error *err = cnr_error_vcreate(CNR_ERROR_CORRUPT, fmt, ap);
	va_end(ap);
	return err;
}

CNR_PUBLIC enum cnr_error_code cnr_error_code(const struct cnr_error *err)
{
	return err->code;
}

CNR_PUBLIC const char *cnr_error_message(const struct cnr_error *err)
{
	return err->message;
}

CNR_PUBLIC uint64_t cnr_error_address(const struct cnr_error *err)
{
	return err->code == CNR_ERROR_FAULT ? err->address : 0;
}

CNR_PUBLIC void cnr_error_destroy(struct cnr_error *err)
{
	if (!err || err->is_static)
		return;
	free(err->message);
	free(err);
}
