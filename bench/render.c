/*
 * Benchmark of client config rendering and QR codes (not a test; issue
 * #11 B7): per second per core (CPU time of this one thread), in the
 * first network of DB, cycling over its endpoints:
 *
 *   render     warp_config_render(): a config made afresh from the rows
 *   stored     warp_config_current(): the stored version, unsealed (what
 *              a download or a QR view serves)
 *   qr svg     warp_qr_svg() of a config text
 *   qr png     warp_qr_png() of a config text
 *
 *   render DB COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"

static double	cpu(void);
static double	wall(void);
static void	report(const char *, size_t, double, double);

static double
cpu(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static double
wall(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
report(const char *what, size_t n, double c, double w)
{
	printf("  %-8s %6zu in %7.3f s CPU (%7.3f s wall): %9.1f per second "
	    "per core, %.3f ms each\n", what, n, c, w, n / c, 1000 * c / n);
}

int
main(int argc, char *argv[])
{
	struct warp_db		*db;
	struct warp_network	*nets = NULL;
	struct warp_endpoint	*eps = NULL;
	struct warp_err		 err;
	char			*text = NULL, *svg;
	uint8_t			*png;
	size_t			 nnets = 0, neps = 0, count, i, len;
	double			 c0, w0;
	int			 op;

	if (argc != 3 || (count = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: render DB COUNT\n");
		return (2);
	}
	if (warp_db_open(&db, argv[1], 0, &err) == -1 ||
	    warp_network_list(db, &nets, &nnets, &err) == -1 ||
	    nnets == 0 ||
	    warp_endpoint_list(db, nets[0].id, &eps, &neps, &err) == -1 ||
	    neps == 0) {
		fprintf(stderr, "render: %s\n", nnets && neps ? err.msg :
		    "no network with endpoints");
		return (2);
	}
	printf("network %s: %zu endpoints\n", nets[0].name, neps);
	for (op = 0; op < 4; op++) {
		c0 = cpu();
		w0 = wall();
		for (i = 0; i < count; i++) {
			if (op == 0 && warp_config_render(db,
			    eps[i % neps].id, &text, &err) == -1)
				goto fail;
			if (op == 1 && warp_config_current(db,
			    eps[i % neps].id, &text, NULL, &err) == -1)
				goto fail;
			if (op == 2) {
				if (warp_qr_svg(text, &svg, &err) == -1)
					goto fail;
				free(svg);
			}
			if (op == 3) {
				if (warp_qr_png(text, &png, &len, &err) == -1)
					goto fail;
				free(png);
			}
			if (op < 2 && i + 1 < count) {
				warp_config_free(text);
				text = NULL;
			}
		}
		report(op == 0 ? "render" : op == 1 ? "stored" : op == 2 ?
		    "qr svg" : "qr png", count, cpu() - c0, wall() - w0);
	}
	warp_config_free(text);
	warp_endpoint_list_free(eps);
	warp_network_list_free(nets);
	warp_db_close(db);
	return (0);
fail:
	fprintf(stderr, "render: %s\n", err.msg);
	return (1);
}
