// `coroner dot` (see dot_report.h).
#include "report/dot_report.h"

#include <inttypes.h>

#include "report/dot_writer.h"

enum { LABEL_MAX = 80, TEXT_LEN = 512 }; // characters of a name shown on a node or edge; bytes kept

static void write_node_id(FILE *out, const struct cnr_dot_node *n)
{
	static const char *const prefix[] = { [CNR_DOT_ROOT] = "root", [CNR_DOT_HOPS] = "hops", [CNR_DOT_MORE] = "more" };
	if (n->kind == CNR_DOT_ROOT) {
		fprintf(out, "root%" PRIu32, n->id);
		return;
	}
	fprintf(out, "%s0x%" PRIx64, n->kind == CNR_DOT_OBJECT ? "o" : prefix[n->kind], n->addr);
}

static void write_node(FILE *out, const struct cnr_dot_node *n, bool from)
{
	char a[64], b[64];
	fputs("  ", out);
	write_node_id(out, n);
	switch (n->kind) {
	case CNR_DOT_ROOT:
		fputs(" [shape=cds, style=filled, fillcolor=\"#dde6f7\", label=\"", out);
		cnr_dot_escape(out, n->root->name, SIZE_MAX, LABEL_MAX);
		fprintf(out, "\\n(%s)\"];\n", cnr_root_kind_name(n->root->kind));
		break;
	case CNR_DOT_OBJECT:
		cnr_dot_format_bytes(n->retained, a, sizeof(a));
		cnr_dot_format_bytes(n->size, b, sizeof(b));
		if (n->rank)
			fputs(" [style=\"filled,bold\", fillcolor=\"#ffd9d2\", ", out);
		else
			fputs(" [", out);
		fputs("label=\"", out);
		if (n->rank && from)
			fputs("object: ", out);
		else if (n->rank)
			fprintf(out, "suspect #%" PRIu32 ": ", n->rank);
		cnr_dot_escape(out, n->type, TEXT_LEN, LABEL_MAX);
		fprintf(out, "\\n0x%" PRIx64 "\\nretains %s", n->addr, a);
		if (n->rank) {
			char c[32];
			cnr_dot_format_count(n->count, c, sizeof(c));
			fprintf(out, " in %s object%s", c, n->count == 1 ? "" : "s");
		}
		fprintf(out, ", %s itself\"];\n", b);
		break;
	case CNR_DOT_HOPS:
		cnr_dot_format_count(n->count, a, sizeof(a));
		fprintf(out, " [shape=plaintext, label=\"… %s more hop%s\"];\n", a, n->count == 1 ? "" : "s");
		break;
	case CNR_DOT_MORE:
		cnr_dot_format_count(n->count, a, sizeof(a));
		cnr_dot_format_bytes(n->bytes, b, sizeof(b));
		fprintf(out, " [shape=note, label=\"… %s more object%s\\n%s\"];\n", a, n->count == 1 ? "" : "s", b);
		break;
	}
}

static void write_edge(FILE *out, const struct cnr_dot_layout *l, const struct cnr_dot_edge *e)
{
	fputs("  ", out);
	write_node_id(out, &l->nodes[e->from]);
	fputs(" -> ", out);
	write_node_id(out, &l->nodes[e->to]);
	if (e->kind == CNR_DOT_EDGE_POINTER) {
		if (e->label[0]) {
			fputs(" [label=\"", out);
			cnr_dot_escape(out, e->label, TEXT_LEN, LABEL_MAX);
			fputs("\"]", out);
		}
	} else if (e->kind == CNR_DOT_EDGE_DOMINATES) {
		fputs(" [style=dashed, label=\"dominates\"]", out);
	} else if (e->kind == CNR_DOT_EDGE_FOLDED) {
		fputs(" [style=dashed]", out);
	}
	fputs(";\n", out);
}

void cnr_dot_report(const struct cnr_dot_layout *l, FILE *out)
{
	char live[32], objects[32];
	cnr_dot_format_bytes(l->live_bytes, live, sizeof(live));
	cnr_dot_format_count(l->live_objects, objects, sizeof(objects));
	fputs("digraph coroner {\n", out);
	fprintf(out, "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"%s: live heap %s in %s objects\"];\n",
		l->from ? "what keeps the object alive" : "leak suspects", live, objects);
	fputs("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n", out);
	fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", out);
	for (size_t i = 0; i < l->nnodes; i++)
		write_node(out, &l->nodes[i], l->from);
	for (size_t i = 0; i < l->nedges; i++)
		write_edge(out, l, &l->edges[i]);
	fputs("}\n", out);
}
