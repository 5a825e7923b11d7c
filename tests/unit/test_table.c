// SPDX-License-Identifier: MIT
/* Unit tests for mcrctl's table helpers: the rates in human units. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mcrctl/table.h"

static void t_rate_units(void **state)
{
	static const struct {
		double v;
		const char *unit;
		const char *want;
	} cases[] = {
		{ 0, "pps", "0 pps" },
		{ -3, "pps", "0 pps" },
		{ 0.5, "pps", "0.50 pps" },
		{ 7, "pps", "7.00 pps" },
		{ 12.34, "pps", "12.3 pps" },
		{ 950, "pps", "950 pps" },
		{ 999.7, "pps", "1.00 kpps" },
		{ 12345, "pps", "12.3 kpps" },
		{ 1234567, "pps", "1.23 Mpps" },
		{ 940e6, "bit/s", "940 Mbit/s" },
		{ 9.9951e9, "bit/s", "10.0 Gbit/s" },
		{ 2.5e12, "bit/s", "2.50 Tbit/s" },
		{ 4e15, "bit/s", "4000 Tbit/s" },
	};
	char buf[TABLE_RATE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(table_rate(cases[i].v, cases[i].unit, buf), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_rate_units),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
