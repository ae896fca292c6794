/* libFuzzer target: the plan parser (plan.c) on arbitrary bytes. It must return a plan or an
 * error message for every input: no crash, no out-of-bounds access, no leak, no hang. */
#include <stddef.h>
#include <stdint.h>

#include "../nc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nc_plan plan;

	(void)plan_parse(data, size, &plan);
	plan_free(&plan);
	return 0;
}
