/*
 * Benchmark helper (not part of the appliance): the desired state of the
 * database as lines, for the shell-out baseline (bench/baseline/
 * shell_apply.sh).  Read through the core, as the reconciler reads it
 * (warp_network_list, warp_state_network_load): keys are unsealed here,
 * so the output is secret and goes to a 0600 file only.
 *
 *   desired DB
 *
 *   net VCID VRF WG TABLE SUBNET GATEWAY/LEN PORT MTU PRIVATE-KEY
 *   peer WG PUBLIC-KEY PRESHARED-KEY ALLOWED[,ALLOWED...]
 *   skip NAME TYPE            (a type the baseline does not build)
 *
 * Only Secure Internet networks are built by the baseline (what the
 * benchmark creates); suspended networks and inactive endpoints are left
 * out, as the reconciler leaves them out.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "warp.h"
#include "warp_state.h"

static void	desired_cidr(const struct warp_cidr *, char *, size_t);
static int	desired_network(struct warp_db *, struct warp_network *,
		    int64_t);

static void
desired_cidr(const struct warp_cidr *c, char *buf, size_t len)
{
	struct in_addr	in;
	char		a[INET_ADDRSTRLEN];

	in.s_addr = htonl(c->addr);
	(void)inet_ntop(AF_INET, &in, a, sizeof(a));
	(void)snprintf(buf, len, "%s/%d", a, c->len);
}

static int
desired_network(struct warp_db *db, struct warp_network *net, int64_t now)
{
	struct warp_state_peer	*peers = NULL;
	struct warp_state_netkey nk;
	struct warp_err		 err;
	struct warp_cidr	 gw;
	char			 b64[WARP_KEY_B64_LEN + 1];
	char			 b64p[WARP_KEY_B64_LEN + 1];
	char			 c[32], sn[32];
	size_t			 n = 0, i, j, nvouched, nfailed;

	/* The load opens no key: both opened here, as an apply would. */
	if (warp_state_network_load(db, net, 0, now, &nk, &peers, &n,
	    &err) == -1 || warp_state_netkey_resolve(db, net, &nk, NULL,
	    &err) == -1) {
		fprintf(stderr, "desired: network %s: %s\n", net->name,
		    err.msg);
		warp_state_netkey_free(&nk);
		warp_state_peers_free(peers, n);
		return (-1);
	}
	(void)warp_state_peers_psk(db, peers, n, &nvouched, &nfailed);
	warp_network_ifnames(net);
	gw.addr = net->gateway_ip;
	gw.len = net->subnet.len;
	desired_cidr(&gw, c, sizeof(c));
	desired_cidr(&net->subnet, sn, sizeof(sn));
	warp_key_to_base64(nk.key, b64);
	warp_state_netkey_free(&nk);
	printf("net %u %s %s %d %s %s %d %d %s\n", net->vcid, net->if_vrf,
	    net->if_wg, net->table_id, sn, c, net->listen_port, net->mtu, b64);
	for (i = 0; i < n; i++) {
		if (!peers[i].active || peers[i].failed)
			continue;
		warp_key_to_base64(peers[i].public_key, b64);
		warp_key_to_base64(peers[i].psk, b64p);
		printf("peer %s %s %s ", net->if_wg, b64, b64p);
		for (j = 0; j < peers[i].nallowed; j++) {
			desired_cidr(&peers[i].allowed[j], c, sizeof(c));
			printf("%s%s", j ? "," : "", c);
		}
		printf("\n");
	}
	explicit_bzero(b64p, sizeof(b64p));
	warp_state_peers_free(peers, n);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct warp_db		*db;
	struct warp_network	*nets = NULL;
	struct warp_err		 err;
	size_t			 n = 0, i;
	int			 rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: desired DB\n");
		return (2);
	}
	(void)umask(077);
	if (warp_db_open(&db, argv[1], 0, &err) == -1 ||
	    warp_network_list(db, &nets, &n, &err) == -1) {
		fprintf(stderr, "desired: %s\n", err.msg);
		return (2);
	}
	for (i = 0; i < n; i++) {
		if (!nets[i].enabled)
			continue;
		if (nets[i].type != WARP_NET_SECURE_INTERNET) {
			printf("skip %s %d\n", nets[i].name, nets[i].type);
			continue;
		}
		if (desired_network(db, &nets[i], time(NULL)) == -1)
			rc = 2;
	}
	warp_network_list_free(nets);
	warp_db_close(db);
	return (rc);
}
