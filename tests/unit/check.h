/*
 * Minimal test harness for the unit tests: each CHECK prints one TAP line
 * ("ok - what" / "not ok - what (file:line)"); main returns check_done().
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int	check_failures;

#define CHECK(cond, ...) do {						\
	int check_ok_ = (cond) ? 1 : 0;					\
	if (!check_ok_)							\
		check_failures++;					\
	printf("%s - ", check_ok_ ? "ok" : "not ok");			\
	printf(__VA_ARGS__);						\
	if (!check_ok_)							\
		printf(" (%s:%d)", __FILE__, __LINE__);			\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

#define CHECK_STR(a, b, ...) do {					\
	const char *check_a_ = (a), *check_b_ = (b);			\
	int check_eq_ = check_a_ != NULL && check_b_ != NULL &&		\
	    strcmp(check_a_, check_b_) == 0;				\
	CHECK(check_eq_, __VA_ARGS__);					\
	if (!check_eq_)							\
		printf("#   got:  %s\n#   want: %s\n",			\
		    check_a_ ? check_a_ : "(null)",			\
		    check_b_ ? check_b_ : "(null)");			\
} while (0)

static inline int
check_done(void)
{
	return (check_failures == 0 ? 0 : 1);
}

#endif
