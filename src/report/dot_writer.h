// Graphviz DOT output: quoted strings that survive any bytes, and the
// numbers people read on a graph.
#ifndef CNR_REPORT_DOT_WRITER_H
#define CNR_REPORT_DOT_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

// Write the bytes of s (up to len of them, or up to a NUL) as the inside
// of a DOT double-quoted label: '"' and '\' escaped, valid UTF-8 kept,
// control characters and bytes that are not UTF-8 shown as \xNN (written
// \\xNN, so that Graphviz neither chokes on them nor takes them for its
// own escapes).  At most max characters are shown (0: no limit); a longer
// string ends in "…".
void cnr_dot_escape(FILE *out, const char *s, size_t len, size_t max);

// Write s as a DOT double-quoted string (cnr_dot_escape() with no limit).
void cnr_dot_quoted(FILE *out, const char *s);

// n with thousands separators: "4,998,213".
void cnr_dot_format_count(uint64_t n, char *buf, size_t len);

// A byte count as people read it: "48 B", "1.2 KB", "3.1 GB" (powers of
// 1024, as pprof writes them).
void cnr_dot_format_bytes(uint64_t n, char *buf, size_t len);

#endif
