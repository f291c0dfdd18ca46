/*
 * warpd: the traffic parts of the endpoint and network pages
 * (src/web/warp_page_traffic.c, templates/traffic_*.html).
 */
#ifndef WARP_WEB_TRAFFIC_H
#define WARP_WEB_TRAFFIC_H

#include <stdint.h>

struct warp_ctx;

void	warp_traffic_page_endpoint(struct warp_ctx *, int64_t);
void	warp_traffic_page_network(struct warp_ctx *, int64_t);
void	warp_traffic_page_chart(struct warp_ctx *, int64_t, int64_t);

#endif
