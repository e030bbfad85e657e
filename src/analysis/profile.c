// The pprof profile model's lifetime and lookups.
#include "analysis/profile.h"

#include <string.h>

void cnr_profile_deinit(struct cnr_profile *p)
{
	cnr_profile_function_vector_deinit(&p->functions);
	cnr_profile_line_vector_deinit(&p->lines);
	cnr_profile_location_vector_deinit(&p->locations);
	cnr_profile_u32_vector_deinit(&p->sample_locations);
	cnr_profile_sample_vector_deinit(&p->samples);
	cnr_string_pool_deinit(&p->strings);
	memset(p, 0, sizeof(*p));
}

int cnr_profile_type_index(const struct cnr_profile *p, const char *type)
{
	for (size_t i = 0; i < p->ntypes; i++) {
		if (strcmp(p->sample_types[i].type, type) == 0)
			return (int)i;
	}
	return -1;
}
