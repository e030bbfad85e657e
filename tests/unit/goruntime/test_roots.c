// Root kinds: names, and the --roots list parser.
#include <criterion/criterion.h>
#include <string.h>

#include "goruntime/roots.h"

Test(goruntime, root_kind_names)
{
	cr_assert_str_eq(cnr_root_kind_name(CNR_ROOT_FINALIZER), "finalizer");
	cr_assert_str_eq(cnr_root_kind_name(CNR_ROOT_TIMER), "timer");
	cr_assert_str_eq(cnr_root_kind_name(CNR_ROOT_WEAK), "weak handle");
	cr_assert_str_eq(cnr_root_kind_option(CNR_ROOT_CHAN_ELEM), "chans");
	cr_assert_str_eq(cnr_root_kind_option(CNR_ROOT_CLEANUP), "cleanups");
	cr_assert_str_eq(cnr_root_kind_name(CNR_NUM_ROOT_KINDS), "?");
}

Test(goruntime, root_kinds_parse)
{
	uint32_t mask = 0;
	const char *bad = NULL;
	cr_assert(cnr_root_kinds_parse("globals", &mask, &bad));
	cr_assert_eq(mask, 1u << CNR_ROOT_GLOBAL);
	cr_assert(cnr_root_kinds_parse("stacks,chans,panics", &mask, &bad));
	cr_assert_eq(mask, 1u << CNR_ROOT_STACK | 1u << CNR_ROOT_CHAN_ELEM | 1u << CNR_ROOT_PANIC);
	cr_assert(cnr_root_kinds_parse("globals,stacks,chans,finalizers,cleanups,defers,panics,timers,weak", &mask, &bad));
	cr_assert_eq(mask, CNR_ROOT_KINDS_ALL);
}

Test(goruntime, root_kinds_parse_rejects)
{
	uint32_t mask = 7;
	const char *bad = NULL;
	const char *list = "globals,timer,stacks";
	cr_assert(!cnr_root_kinds_parse(list, &mask, &bad));
	cr_assert_eq(bad, list + 8, "the offending item is named");
	cr_assert_eq(mask, 7, "ret untouched on error");
	cr_assert(!cnr_root_kinds_parse("", &mask, &bad));
	cr_assert(!cnr_root_kinds_parse("globals,", &mask, &bad));
	cr_assert(!cnr_root_kinds_parse("global", &mask, &bad));
}
