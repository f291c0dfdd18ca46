/*
 * WireGuard over generic netlink (libmnl): read a device with its peers,
 * and change it with as few WG_CMD_SET_DEVICE messages as fit, the way
 * wireguard-tools' embeddable library does: fill a message, and when the
 * next peer does not fit, send it and start again with that peer.
 *
 * Keys pass through here; every buffer that held one is wiped.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warp.h"
#include "warp_kernel.h"
#include "warp_kernel_int.h"

/*
 * Size of one SET message.  The kernel takes any size up to the socket's
 * send buffer, but all peers sit in one WGDEVICE_A_PEERS attribute whose
 * length is 16 bits: just under 64 KiB is as large as a message can be
 * (about 500 peers with one allowed IP each).
 */
#define WARP_WGNL_MSGSZ		(64 * 1024 - 512)
#define WARP_WGNL_RCVSZ		(WARP_NL_DUMPSZ)

struct warp_wgnl {
	struct mnl_socket	*nl;
	uint16_t		 family;
	uint32_t		 portid;
	uint32_t		 seq;
	char			*buf;
	char			*rbuf;
};

struct warp_wgparse {
	struct warp_wgdev	*dev;
	int			 error;
};

static struct nlmsghdr	*warp_wgnl_msg(struct warp_wgnl *, uint16_t, uint8_t,
			    uint16_t);
static int	warp_wgnl_talk(struct warp_wgnl *, struct nlmsghdr *,
		    mnl_cb_t, void *);
static int	warp_wgnl_family_cb(const struct nlmsghdr *, void *);
static int	warp_wgnl_dev_cb(const struct nlmsghdr *, void *);
static int	warp_wgnl_peer_parse(const struct nlattr *, struct warp_wgdev *);
static int	warp_wgnl_ip_parse(const struct nlattr *, struct warp_wgpeer *);
static int	warp_wgnl_peer_cmp(const void *, const void *);
static int	warp_wgnl_put_peer(struct nlmsghdr *, const struct warp_wgop *);

static struct nlmsghdr *
warp_wgnl_msg(struct warp_wgnl *w, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr		*nlh;
	struct genlmsghdr	*genl;

	nlh = mnl_nlmsg_put_header(w->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++w->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : WG_GENL_VERSION;
	return (nlh);
}

/* Send one message and read until its ack or the end of the dump. */
static int
warp_wgnl_talk(struct warp_wgnl *w, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *arg)
{
	ssize_t		 n;
	int		 ret;
	uint32_t	 seq = nlh->nlmsg_seq;

	if (mnl_socket_sendto(w->nl, nlh, nlh->nlmsg_len) < 0)
		return (-errno);
	for (;;) {
		n = mnl_socket_recvfrom(w->nl, w->rbuf, WARP_WGNL_RCVSZ);
		if (n < 0)
			return (-errno);
		ret = warp_mnl_run(w->rbuf, (size_t)n, seq, w->portid, cb,
		    arg);
		if (ret < 0)
			return (errno != 0 ? -errno : -EIO);
		if (ret == MNL_CB_STOP)
			return (0);
	}
}

static int
warp_wgnl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr	*a;
	uint16_t	*family = arg;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*family = mnl_attr_get_u16(a);
	}
	return (MNL_CB_OK);
}

int
warp_wgnl_open(struct warp_wgnl **wp, struct warp_err *err)
{
	struct warp_wgnl	*w;
	struct nlmsghdr		*nlh;
	int			 e, one = 1;

	w = warp_xcalloc(1, sizeof(*w));
	w->buf = warp_xcalloc(1, WARP_WGNL_MSGSZ);
	w->rbuf = warp_xcalloc(1, WARP_WGNL_RCVSZ);
	if ((w->nl = mnl_socket_open(NETLINK_GENERIC)) == NULL ||
	    mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		warp_err_system(err, "generic netlink: %s", strerror(errno));
		goto fail;
	}
	w->portid = mnl_socket_get_portid(w->nl);
	/* Errors need not echo a 64 KiB request back at us. */
	(void)mnl_socket_setsockopt(w->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	w->seq = (uint32_t)time(NULL);

	nlh = warp_wgnl_msg(w, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, WARP_WGNL_MSGSZ,
	    CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME))
		e = -EMSGSIZE;
	else
		e = warp_wgnl_talk(w, nlh, warp_wgnl_family_cb, &w->family);
	if (e < 0 ||
	    w->family == 0) {
		if (e == -ENOENT || w->family == 0)
			warp_err_system(err, "the kernel lacks WireGuard "
			    "(CONFIG_WIREGUARD, module wireguard)");
		else
			warp_err_system(err, "wireguard genl family: %s",
			    strerror(-e));
		goto fail;
	}
	*wp = w;
	return (0);
fail:
	warp_wgnl_close(w);
	return (-1);
}

void
warp_wgnl_close(struct warp_wgnl *w)
{
	if (w == NULL)
		return;
	if (w->nl != NULL)
		mnl_socket_close(w->nl);
	explicit_bzero(w->buf, WARP_WGNL_MSGSZ);
	explicit_bzero(w->rbuf, WARP_WGNL_RCVSZ);
	free(w->buf);
	free(w->rbuf);
	free(w);
}

static int
warp_wgnl_ip_parse(const struct nlattr *nest, struct warp_wgpeer *p)
{
	const struct nlattr	*a;
	uint16_t		 family = 0;
	int			 cidr = -1;
	uint32_t		 addr = 0;
	int			 have = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case WGALLOWEDIP_A_FAMILY:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				family = mnl_attr_get_u16(a);
			break;
		case WGALLOWEDIP_A_IPADDR:
			if (mnl_attr_get_payload_len(a) == 4) {
				memcpy(&addr, mnl_attr_get_payload(a), 4);
				have = 1;
			}
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				cidr = mnl_attr_get_u8(a);
			break;
		}
	}
	if (family != AF_INET || !have || cidr < 0 || cidr > 32) {
		p->nallowed_other++;
		return (0);
	}
	p->allowed = reallocarray(p->allowed, p->nallowed + 1,
	    sizeof(*p->allowed));
	if (p->allowed == NULL)
		warp_fatal("reallocarray");
	p->allowed[p->nallowed].addr = ntohl(addr);
	p->allowed[p->nallowed].len = cidr;
	p->nallowed++;
	return (0);
}

static int
warp_wgnl_peer_parse(const struct nlattr *nest, struct warp_wgdev *dev)
{
	const struct nlattr		*a, *ip;
	struct warp_wgpeer		*p, tmp;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct warp_ktimespec {
		int64_t	tv_sec;
		int64_t	tv_nsec;
	}				 ts;
	char				 addr[INET6_ADDRSTRLEN];
	int				 have_key = 0;

	memset(&tmp, 0, sizeof(tmp));
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY &&
		    mnl_attr_get_payload_len(a) == WARP_KEY_LEN) {
			memcpy(tmp.public_key, mnl_attr_get_payload(a),
			    WARP_KEY_LEN);
			have_key = 1;
		}
	}
	if (!have_key)
		return (-EINVAL);
	/* A peer split over two messages continues the previous one. */
	if (dev->npeers > 0 && memcmp(dev->peers[dev->npeers - 1].public_key,
	    tmp.public_key, WARP_KEY_LEN) == 0)
		p = &dev->peers[dev->npeers - 1];
	else {
		dev->peers = reallocarray(dev->peers, dev->npeers + 1,
		    sizeof(*dev->peers));
		if (dev->peers == NULL)
			warp_fatal("reallocarray");
		p = &dev->peers[dev->npeers++];
		*p = tmp;
	}
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PRESHARED_KEY:
			if (mnl_attr_get_payload_len(a) == WARP_KEY_LEN) {
				memcpy(p->psk, mnl_attr_get_payload(a),
				    WARP_KEY_LEN);
				p->has_psk = 1;
			}
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				p->keepalive = mnl_attr_get_u16(a);
			break;
		case WGPEER_A_LAST_HANDSHAKE_TIME:
			if (mnl_attr_get_payload_len(a) == sizeof(ts)) {
				memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
				p->last_handshake = ts.tv_sec;
			}
			break;
		case WGPEER_A_RX_BYTES:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
				p->rx_bytes = mnl_attr_get_u64(a);
			break;
		case WGPEER_A_TX_BYTES:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
				p->tx_bytes = mnl_attr_get_u64(a);
			break;
		case WGPEER_A_ENDPOINT:
			if (mnl_attr_get_payload_len(a) == sizeof(*sin)) {
				sin = mnl_attr_get_payload(a);
				if (sin->sin_family != AF_INET)
					break;
				inet_ntop(AF_INET, &sin->sin_addr, addr,
				    sizeof(addr));
				(void)snprintf(p->remote, sizeof(p->remote),
				    "%s:%u", addr, ntohs(sin->sin_port));
			} else if (mnl_attr_get_payload_len(a) ==
			    sizeof(*sin6)) {
				sin6 = mnl_attr_get_payload(a);
				if (sin6->sin6_family != AF_INET6)
					break;
				inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
				    sizeof(addr));
				(void)snprintf(p->remote, sizeof(p->remote),
				    "[%s]:%u", addr, ntohs(sin6->sin6_port));
			}
			break;
		case WGPEER_A_ALLOWEDIPS:
			mnl_attr_for_each_nested(ip, a)
				(void)warp_wgnl_ip_parse(ip, p);
			break;
		}
	}
	return (0);
}

static int
warp_wgnl_dev_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct warp_wgparse	*wp = arg;
	struct warp_wgdev	*dev = wp->dev;
	const struct nlattr	*a, *peer;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PRIVATE_KEY:
			if (mnl_attr_get_payload_len(a) == WARP_KEY_LEN) {
				memcpy(dev->private_key,
				    mnl_attr_get_payload(a), WARP_KEY_LEN);
				dev->has_private_key = 1;
			}
			break;
		case WGDEVICE_A_PUBLIC_KEY:	/* of the private key */
			if (mnl_attr_get_payload_len(a) == WARP_KEY_LEN) {
				memcpy(dev->public_key,
				    mnl_attr_get_payload(a), WARP_KEY_LEN);
				dev->has_public_key = 1;
			}
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				dev->listen_port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_PEERS:
			mnl_attr_for_each_nested(peer, a) {
				if (warp_wgnl_peer_parse(peer, dev) < 0)
					wp->error = EINVAL;
			}
			break;
		}
	}
	return (MNL_CB_OK);
}

static int
warp_wgnl_peer_cmp(const void *a, const void *b)
{
	const struct warp_wgpeer	*pa = a, *pb = b;

	return (memcmp(pa->public_key, pb->public_key, WARP_KEY_LEN));
}

int
warp_wgnl_cidr_cmp(const void *a, const void *b)
{
	const struct warp_cidr	*ca = a, *cb = b;

	if (ca->addr != cb->addr)
		return (ca->addr < cb->addr ? -1 : 1);
	return (ca->len - cb->len);
}

int
warp_wgnl_get(struct warp_wgnl *w, const char *ifname, struct warp_wgdev *dev,
    struct warp_err *err)
{
	struct nlmsghdr		*nlh;
	struct warp_wgparse	 wp;
	size_t			 i;
	int			 e;

	memset(dev, 0, sizeof(*dev));
	wp.dev = dev;
	wp.error = 0;
	nlh = warp_wgnl_msg(w, w->family, WG_CMD_GET_DEVICE,
	    NLM_F_DUMP | NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, WARP_WGNL_MSGSZ, WGDEVICE_A_IFNAME,
	    ifname))
		e = -EMSGSIZE;
	else
		e = warp_wgnl_talk(w, nlh, warp_wgnl_dev_cb, &wp);
	if (e < 0 ||
	    wp.error != 0) {
		warp_wgnl_dev_free(dev);
		return (warp_err_system(err, "read wireguard %s: %s", ifname,
		    strerror(e < 0 ? -e : wp.error)));
	}
	for (i = 0; i < dev->npeers; i++)
		qsort(dev->peers[i].allowed, dev->peers[i].nallowed,
		    sizeof(struct warp_cidr), warp_wgnl_cidr_cmp);
	qsort(dev->peers, dev->npeers, sizeof(*dev->peers), warp_wgnl_peer_cmp);
	return (0);
}

void
warp_wgnl_dev_free(struct warp_wgdev *dev)
{
	size_t	i;

	for (i = 0; i < dev->npeers; i++) {
		explicit_bzero(dev->peers[i].psk, WARP_KEY_LEN);
		free(dev->peers[i].allowed);
	}
	free(dev->peers);
	explicit_bzero(dev, sizeof(*dev));
}

const struct warp_wgpeer *
warp_wgnl_find(const struct warp_wgdev *dev, const uint8_t *key)
{
	struct warp_wgpeer	k;

	memcpy(k.public_key, key, WARP_KEY_LEN);
	return (bsearch(&k, dev->peers, dev->npeers, sizeof(*dev->peers),
	    warp_wgnl_peer_cmp));
}

/* Append one peer; 0 if it did not fit (nothing of it is left behind). */
static int
warp_wgnl_put_peer(struct nlmsghdr *nlh, const struct warp_wgop *op)
{
	struct nlattr	*peer, *ips, *ip;
	uint32_t	 flags = 0, addr;
	size_t		 i;

	if ((peer = mnl_attr_nest_start_check(nlh, WARP_WGNL_MSGSZ, 0)) == NULL)
		return (0);
	if (op->flags & WARP_WGOP_REMOVE)
		flags |= WGPEER_F_REMOVE_ME;
	if (op->flags & WARP_WGOP_REPLACE_IPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (!mnl_attr_put_check(nlh, WARP_WGNL_MSGSZ, WGPEER_A_PUBLIC_KEY,
	    WARP_KEY_LEN, op->public_key) ||
	    !mnl_attr_put_u32_check(nlh, WARP_WGNL_MSGSZ, WGPEER_A_FLAGS, flags))
		goto toobig;
	if (op->flags & WARP_WGOP_REMOVE)
		goto done;
	if (op->psk != NULL && !mnl_attr_put_check(nlh, WARP_WGNL_MSGSZ,
	    WGPEER_A_PRESHARED_KEY, WARP_KEY_LEN, op->psk))
		goto toobig;
	if (!mnl_attr_put_u16_check(nlh, WARP_WGNL_MSGSZ,
	    WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 0))
		goto toobig;
	if ((ips = mnl_attr_nest_start_check(nlh, WARP_WGNL_MSGSZ,
	    WGPEER_A_ALLOWEDIPS)) == NULL)
		goto toobig;
	for (i = 0; i < op->nallowed; i++) {
		addr = htonl(op->allowed[i].addr);
		if ((ip = mnl_attr_nest_start_check(nlh, WARP_WGNL_MSGSZ,
		    0)) == NULL ||
		    !mnl_attr_put_u16_check(nlh, WARP_WGNL_MSGSZ,
		    WGALLOWEDIP_A_FAMILY, AF_INET) ||
		    !mnl_attr_put_check(nlh, WARP_WGNL_MSGSZ,
		    WGALLOWEDIP_A_IPADDR, 4, &addr) ||
		    !mnl_attr_put_u8_check(nlh, WARP_WGNL_MSGSZ,
		    WGALLOWEDIP_A_CIDR_MASK, op->allowed[i].len))
			goto toobig;
		mnl_attr_nest_end(nlh, ip);
	}
	mnl_attr_nest_end(nlh, ips);
done:
	mnl_attr_nest_end(nlh, peer);
	return (1);
toobig:
	mnl_attr_nest_cancel(nlh, peer);
	return (0);
}

/*
 * Set the device: private key (NULL: leave), listen port (-1: leave) and
 * the peer operations, split over as few messages as they fit in; each
 * message is counted in *sent where it is sent.  A dry run builds the
 * same messages (in a buffer of its own if w is NULL) and sends none.
 */
int
warp_wgnl_set(struct warp_wgnl *w, const char *ifname, const uint8_t *priv,
    int port, const struct warp_wgop *ops, size_t nops, int dry_run,
    uint64_t *sent, struct warp_err *err)
{
	struct warp_wgnl	 dry;
	struct nlmsghdr		*nlh;
	struct nlattr		*peers;
	size_t			 i = 0, start;
	int			 first = 1, e, ret = -1;

	if (w == NULL) {
		memset(&dry, 0, sizeof(dry));
		dry.buf = warp_xcalloc(1, WARP_WGNL_MSGSZ);
		w = &dry;
	}
again:
	nlh = warp_wgnl_msg(w, w->family, WG_CMD_SET_DEVICE, NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, WARP_WGNL_MSGSZ, WGDEVICE_A_IFNAME,
	    ifname) ||
	    (first && priv != NULL && !mnl_attr_put_check(nlh, WARP_WGNL_MSGSZ,
	    WGDEVICE_A_PRIVATE_KEY, WARP_KEY_LEN, priv)) ||
	    (first && port >= 0 && !mnl_attr_put_u16_check(nlh,
	    WARP_WGNL_MSGSZ, WGDEVICE_A_LISTEN_PORT, port))) {
		warp_err_system(err, "wireguard %s: message too large", ifname);
		goto out;
	}
	if (i < nops) {
		if ((peers = mnl_attr_nest_start_check(nlh, WARP_WGNL_MSGSZ,
		    WGDEVICE_A_PEERS)) == NULL) {
			warp_err_system(err, "wireguard %s: message too large",
			    ifname);
			goto out;
		}
		for (start = i; i < nops; i++)
			if (!warp_wgnl_put_peer(nlh, &ops[i]))
				break;
		if (i == start) {
			warp_err_system(err, "wireguard %s: a peer does not "
			    "fit in one message", ifname);
			goto out;
		}
		mnl_attr_nest_end(nlh, peers);
	}
	(*sent)++;
	if (!dry_run && (e = warp_ksent(warp_wgnl_talk(w, nlh, NULL, NULL),
	    1)) < 0) {
		warp_err_system(err, "configure wireguard %s: %s", ifname,
		    strerror(-e));
		goto out;
	}
	first = 0;
	if (i < nops)
		goto again;
	ret = 0;
out:
	explicit_bzero(w->buf, WARP_WGNL_MSGSZ);
	if (w == &dry)
		free(dry.buf);
	return (ret);
}
