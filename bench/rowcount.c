/*
 * Benchmark helper (not part of the appliance): an LD_PRELOAD shim that
 * counts the rows a program reads from sqlite, for bench/change ("rows
 * read" of one endpoint change).  Every sqlite3_step() that returns
 * SQLITE_ROW is one row handed to the program; at exit the counts are
 * appended to the file named by $BENCH_ROWS as "rows N steps M".  Steps
 * sqlite runs inside itself (sqlite3_exec) are not seen: this counts
 * what the program asked for row by row, which is what grows with N.
 *
 *   cc -shared -fPIC -o rowcount.so rowcount.c -ldl
 *   BENCH_ROWS=FILE LD_PRELOAD=./rowcount.so warpctl apply
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

static unsigned long long	 rows, steps;
static int			(*real_step)(sqlite3_stmt *);

int
sqlite3_step(sqlite3_stmt *st)
{
	int	rc;

	if (real_step == NULL &&
	    (real_step = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT,
	    "sqlite3_step")) == NULL)
		abort();
	rc = real_step(st);
	steps++;
	if (rc == SQLITE_ROW)
		rows++;
	return (rc);
}

static void __attribute__((destructor))
rowcount_report(void)
{
	const char	*path = getenv("BENCH_ROWS");
	FILE		*f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "rows %llu steps %llu\n", rows, steps);
	fclose(f);
}
