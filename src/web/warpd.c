/*
 * warpd: the Kore application's process setup.
 *
 * The parent (root) resolves and creates the database, loads the master
 * key, then drops nothing itself: it stays the privileged side that alone
 * talks to the kernel, on a typed "apply now" message from a worker.
 * Workers run as the `runas` user (default "warp"), chrooted into the
 * database directory and under seccomp; they inherit the master key in
 * memory and never read the key file.  That file is root's, 0600, in a
 * directory no worker can write (warp_db_key_path(); warpd refuses to
 * start otherwise): a worker can neither replace, remove nor plant it.
 *
 *   warpd [-D dbpath] [-u runas-user] [-P proxy-addr] [kore options: -f -n -q -r -v -h]
 *
 * -P ADDR (or WARP_TRUST_PROXY=ADDR; 1 means 127.0.0.1): behind nginx at
 * ADDR; take the client address from X-Real-IP and TLS from
 * X-Forwarded-Proto, but only on connections whose peer is ADDR.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include "warp.h"
#include "warp_web.h"

#if defined(__has_include)
#if __has_include("warp_kernel.h")
#include "warp_kernel.h"
#define WARP_HAVE_KERNEL	1
#endif
#endif

#define WARPD_RUNAS_DEFAULT	"warp"

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);
void	kore_worker_teardown(void);
void	kore_parent_teardown(void);
void	kore_seccomp_hook(void);

static void	warpd_args(int, char **, int *, char ***);
static void	warpd_db_path(void);
static void	warpd_db_prepare(void);
static struct passwd	*warpd_runas(void);
static void	warpd_key_guard(const struct passwd *);
static int	warpd_path_under(const char *, const char *);
static int	warpd_dir_writable(const char *, const struct passwd *,
		    const gid_t *, int);
static void	warpd_db_perms(const char *, gid_t, mode_t);
static void	warpd_msg_apply(struct kore_msg *, const void *);
static void	warpd_apply(uint32_t);
static void	warpd_reseal(struct warp_db *);

/*
 * sqlite inside a worker needs a few calls Kore's default filter lacks;
 * libsodium's randombytes needs getrandom (already allowed by Kore).
 */
KORE_SECCOMP_FILTER("warpd",
	KORE_SYSCALL_ALLOW(pread64),
	KORE_SYSCALL_ALLOW(pwrite64),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(fdatasync),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(ftruncate),
	KORE_SYSCALL_ALLOW(fchown),
	KORE_SYSCALL_ALLOW(fchmod),
	KORE_SYSCALL_ALLOW(getcwd),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(madvise),
	KORE_SYSCALL_ALLOW(unlink),
	KORE_SYSCALL_ALLOW(getrandom),
	/* Sign-in checks run in Kore task threads: glibc tries clone3 first
	 * (and falls back on ENOSYS) and registers rseq per thread. */
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(futex),
	KORE_SYSCALL_ALLOW(rseq),
	/*
	 * The vDSO makes these real system calls when the clock source has
	 * no vDSO support (seen under qemu; also Xen and some cloud VMs).
	 */
	KORE_SYSCALL_ALLOW(gettimeofday),
	KORE_SYSCALL_ALLOW(time),
);

struct warp_db		*warp_web_db = NULL;
int			 warp_web_trust_proxy = 0;
int			 warp_web_proxy_family = 0;
struct in_addr		 warp_web_proxy4;
struct in6_addr		 warp_web_proxy6;
static const char	*opt_proxy = NULL;

static char		 db_abspath[PATH_MAX];	/* as the parent sees it */
static char		 db_dir[PATH_MAX];
static char		 db_worker_path[PATH_MAX];	/* as a worker sees it */
static const char	*opt_db = NULL;
static const char	*opt_runas = NULL;
static uint8_t		 master_key[WARP_MASTER_KEY_LEN];
static int		 have_master_key = 0;
static int		 no_apply = 0;

#define WARPD_TICK_MS	60000	/* periodic reconcile and stats refresh */
#define WARPD_START_MS	1000	/* the first reconcile after a (re)start */
static void		 warpd_tick(void *, u_int64_t);
static void		 warpd_audit_tick(void *, u_int64_t);

void
kore_parent_configure(int argc, char **argv)
{
	struct passwd	*pw;
	struct warp_err	 err;
	int		 kargc;
	char		**kargv;

	/* Line-buffered: forked workers must not inherit pending output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	warpd_args(argc, argv, &kargc, &kargv);
	kore_default_getopt(kargc, kargv);

	if (sodium_init() == -1)
		fatal("libsodium failed to initialise");

	warpd_db_path();
	pw = warpd_runas();
	if (pw != NULL && getuid() == 0)
		warpd_key_guard(pw);
	warpd_db_prepare();
	/* Development and tests: record changes, never touch the kernel. */
	if (getenv("WARP_NO_APPLY") != NULL &&
	    !strcmp(getenv("WARP_NO_APPLY"), "1"))
		no_apply = 1;
	if (opt_proxy == NULL && getenv("WARP_TRUST_PROXY") != NULL &&
	    *getenv("WARP_TRUST_PROXY") != '\0' &&
	    strcmp(getenv("WARP_TRUST_PROXY"), "0") != 0)
		opt_proxy = getenv("WARP_TRUST_PROXY");
	if (opt_proxy != NULL && warp_web_set_proxy(opt_proxy) == -1)
		fatal("warpd: -P / WARP_TRUST_PROXY wants the proxy's address "
		    "(e.g. 127.0.0.1 or ::1; 1 means 127.0.0.1), not '%s'",
		    opt_proxy);
	if (warp_web_trust_proxy)
		kore_log(LOG_NOTICE, "warpd: X-Real-IP and X-Forwarded-Proto "
		    "believed from %s only", strcmp(opt_proxy, "1") ?
		    opt_proxy : "127.0.0.1");
	/* Sign-in limits shared by the workers (and the form token key). */
	warp_gate_init();

	/* Parse every template once, here: workers inherit them. */
	warp_err_clear(&err);
	if (warp_tpl_check(&err) == -1)
		fatal("warpd: %s", err.msg);

	/* Workers live in the database directory; nothing else is visible. */
	kore_root_path = kore_strdup(db_dir);
	if (skip_chroot)
		(void)snprintf(db_worker_path, sizeof(db_worker_path), "%s",
		    db_abspath);
	else
		(void)snprintf(db_worker_path, sizeof(db_worker_path), "/%s",
		    strrchr(db_abspath, '/') + 1);

	if (pw != NULL) {
		kore_runas_user = kore_strdup(opt_runas);
		if (getuid() == 0) {
			/* The worker user writes the db, never the key. */
			warpd_db_perms(db_dir, pw->pw_gid, 0770);
			warpd_db_perms(db_abspath, pw->pw_gid, 0660);
		}
	}

	kore_msg_register(WARP_MSG_APPLY, warpd_msg_apply);
	kore_log(LOG_NOTICE, "warpd: database %s", db_abspath);
}

void
kore_parent_teardown(void)
{
	sodium_memzero(master_key, sizeof(master_key));
}

void
kore_worker_configure(void)
{
	struct warp_worker_keys	wk;
	struct warp_err		err;

	warp_err_clear(&err);
	if (warp_db_open(&warp_web_db, db_worker_path, WARP_DB_NOKEY,
	    &err) == -1) {
		kore_log(LOG_ERR, "warpd: cannot open database %s: %s",
		    db_worker_path, err.msg);
		warp_web_db = NULL;
	} else {
		/* What a worker needs of the master key, never the key. */
		if (have_master_key) {
			warp_keys_worker_derive(master_key, &wk);
			warp_db_set_worker_keys(warp_web_db, &wk);
			sodium_memzero(&wk, sizeof(wk));
		}
		/* The dashboard shows what waits for the reconciler. */
		warp_db_track_pending(warp_web_db, 1);
	}
	/* The master key stays with root: the worker's copy is wiped. */
	sodium_memzero(master_key, sizeof(master_key));
	have_master_key = 0;
	warp_gate_worker(worker != NULL ? worker->id : 0);

	/*
	 * Expiry and traffic counters change without anyone editing: the
	 * first worker asks the parent for a reconcile (which also refreshes
	 * the handshake and rx/tx figures) once a minute, and once right
	 * after a start: a warpd killed during an apply, or a machine that
	 * rebooted, converges without waiting for the minute or an edit.
	 */
	if (worker != NULL && worker->id == 1) {
		kore_timer_add(warpd_tick, WARPD_START_MS, NULL,
		    KORE_TIMER_ONESHOT);
		kore_timer_add(warpd_tick, WARPD_TICK_MS, NULL, 0);
	}
	/* Views queue their audit rows; each worker writes them (1 s). */
	kore_timer_add(warpd_audit_tick, 1000, NULL, 0);
}

static void
warpd_audit_tick(void *arg, u_int64_t now)
{
	struct warp_err	err;

	(void)arg;
	(void)now;
	if (warp_web_db == NULL)
		return;
	warp_err_clear(&err);
	if (warp_audit_flush_due(warp_web_db, (int64_t)time(NULL), &err) == -1)
		kore_log(LOG_WARNING, "warpd: audit rows kept for the next "
		    "try: %s", err.msg);
}

/* A worker that exits writes the audit rows it still holds. */
void
kore_worker_teardown(void)
{
	warp_db_close(warp_web_db);
	warp_web_db = NULL;
}

static void
warpd_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	warp_web_request_apply(WARP_APPLY_FULL);
}

struct warp_db *
warp_web_dbh(void)
{
	return (warp_web_db);
}

const char *
warp_web_db_path(void)
{
	return (db_worker_path);
}

/* "1" (the old switch) is 127.0.0.1; otherwise one IPv4 or IPv6 address. */
int
warp_web_set_proxy(const char *s)
{
	if (!strcmp(s, "1"))
		s = "127.0.0.1";
	if (inet_pton(AF_INET, s, &warp_web_proxy4) == 1) {
		warp_web_proxy_family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &warp_web_proxy6) == 1) {
		warp_web_proxy_family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&warp_web_proxy6)) {
			memcpy(&warp_web_proxy4.s_addr,
			    &warp_web_proxy6.s6_addr[12], 4);
			warp_web_proxy_family = AF_INET;
		}
	} else
		return (-1);
	warp_web_trust_proxy = 1;
	return (0);
}

/* Worker side: ask the parent to reconcile the kernel now. */
void
warp_web_request_apply(uint32_t scope)
{
	struct warp_msg_apply	m;

	memset(&m, 0, sizeof(m));
	m.magic = WARP_MSG_APPLY_MAGIC;
	m.version = 2;
	m.scope = scope;
	kore_msg_send(KORE_MSG_PARENT, WARP_MSG_APPLY, &m, sizeof(m));
}

/*
 * Strip warpd's own options (-D path, -u user) and hand the rest to Kore.
 */
static void
warpd_args(int argc, char **argv, int *kargc, char ***kargv)
{
	char	**out;
	int	  i, n;

	out = kore_calloc(argc + 1, sizeof(char *));
	n = 0;
	for (i = 0; i < argc; i++) {
		if (i > 0 && (!strcmp(argv[i], "-D") ||
		    !strcmp(argv[i], "--db"))) {
			if (i + 1 >= argc)
				fatal("warpd: %s needs a database path",
				    argv[i]);
			opt_db = argv[++i];
			continue;
		}
		if (i > 0 && !strcmp(argv[i], "-P")) {
			/* Behind nginx: -P ADDR believes X-Real-IP and
			 * X-Forwarded-Proto from that peer only; a bare -P
			 * (old form) means 127.0.0.1. */
			if (i + 1 < argc && argv[i + 1][0] != '-')
				opt_proxy = argv[++i];
			else
				opt_proxy = "1";
			continue;
		}
		if (i > 0 && !strcmp(argv[i], "-u")) {
			if (i + 1 >= argc)
				fatal("warpd: -u needs a user name");
			opt_runas = argv[++i];
			continue;
		}
		out[n++] = argv[i];
	}
	out[n] = NULL;
	*kargc = n;
	*kargv = out;
}

/* The workers' user (NULL with -r): -u, else WARP_RUNAS, else "warp". */
static struct passwd *
warpd_runas(void)
{
	struct passwd	*pw;

	if (skip_runas)
		return (NULL);
	if (opt_runas == NULL)
		opt_runas = getenv("WARP_RUNAS");
	if (opt_runas == NULL || *opt_runas == '\0')
		opt_runas = WARPD_RUNAS_DEFAULT;
	if ((pw = getpwnam(opt_runas)) == NULL) {
		fatal("warpd: worker user '%s' does not exist; create "
		    "it (useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s) or pass -u USER, or -r to "
		    "keep the current user", opt_runas, opt_runas);
	}
	if (pw->pw_uid == 0)
		fatal("warpd: refusing to run workers as root");
	return (pw);
}

/*
 * The master key must be out of the workers' reach: not in the database
 * directory (made theirs below) and no directory on its path writable by
 * the worker user, so no worker can swap, remove or plant the file root
 * reads at its next start.  Checked on the path as given and as resolved.
 */
static void
warpd_key_guard(const struct passwd *pw)
{
	char		*key, *copy, dir[PATH_MAX], real[PATH_MAX], rdb[PATH_MAX];
	gid_t		 groups[64];
	int		 ngroups = 64;

	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) == -1)
		fatal("warpd: the worker user %s is in too many groups",
		    pw->pw_name);
	key = warp_db_key_path(db_abspath);
	copy = kore_strdup(key);
	(void)snprintf(dir, sizeof(dir), "%s", dirname(copy));
	kore_free(copy);
	if (realpath(dir, real) == NULL)
		(void)snprintf(real, sizeof(real), "%s", dir); /* made 0700 */
	if (realpath(db_dir, rdb) == NULL)
		(void)snprintf(rdb, sizeof(rdb), "%s", db_dir);
	if (warpd_path_under(dir, db_dir) || warpd_path_under(real, rdb))
		fatal("warpd: the master key %s is in the database directory, "
		    "which the worker user %s can write; keep it where only "
		    "root can write: set WARP_KEY to e.g. %s (warpctl and "
		    "warpd move it there from the old place)", key, pw->pw_name,
		    WARP_KEY_DEFAULT);
	if (warpd_dir_writable(dir, pw, groups, ngroups) ||
	    warpd_dir_writable(real, pw, groups, ngroups))
		fatal("warpd: the master key %s is in or under a directory the "
		    "worker user %s can write; move it (WARP_KEY=PATH) to a "
		    "directory only root can write", key, pw->pw_name);
	free(key);
}

/* Is path dir itself or below it? */
static int
warpd_path_under(const char *path, const char *dir)
{
	size_t	n = strlen(dir);

	return (strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/'));
}

/* Can the worker rename or replace entries in dir or one above it? */
static int
warpd_dir_writable(const char *path, const struct passwd *pw,
    const gid_t *groups, int ngroups)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;
	int		 i, grp;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		if (stat(dir[0] != '\0' ? dir : "/", &st) == 0) {
			for (grp = 0, i = 0; i < ngroups; i++)
				if (groups[i] == st.st_gid)
					grp = 1;
			if (st.st_uid == pw->pw_uid)
				return (1);
			/* Sticky: only the owner of an entry may move it. */
			if (!(st.st_mode & S_ISVTX) &&
			    (((st.st_mode & S_IWGRP) && grp) ||
			    (st.st_mode & S_IWOTH)))
				return (1);
		}
		if (dir[0] == '\0' || (slash = strrchr(dir, '/')) == NULL)
			break;
		*slash = '\0';
	}
	return (0);
}

/*
 * Find the database (-D, else WARP_DB, else the default path, the same rule
 * as warpctl) and its directory.
 */
static void
warpd_db_path(void)
{
	const char		*path;
	char			 cwd[PATH_MAX], *slash;
	int			 n;

	path = opt_db;
	if (path == NULL || *path == '\0')
		path = getenv("WARP_DB");
	if (path == NULL || *path == '\0')
		path = warp_db_default_path();

	if (path[0] == '/') {
		n = snprintf(db_abspath, sizeof(db_abspath), "%s", path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			fatal("warpd: getcwd: %s", strerror(errno));
		n = snprintf(db_abspath, sizeof(db_abspath), "%s/%s",
		    cwd, path);
	}
	if (n < 0 || (size_t)n >= sizeof(db_abspath))
		fatal("warpd: database path too long");

	(void)snprintf(db_dir, sizeof(db_dir), "%s", db_abspath);
	slash = strrchr(db_dir, '/');
	if (slash == db_dir)
		fatal("warpd: the database cannot live in /");
	*slash = '\0';
	if (slash[1] == '\0')
		fatal("warpd: database path %s names a directory", db_abspath);
}

/*
 * Create the database and its directory on first start, and keep a copy
 * of the master key for the workers.
 */
static void
warpd_db_prepare(void)
{
	struct warp_db		*db;
	struct warp_err		 err;

	if (mkdir(db_dir, 0750) == -1 && errno != EEXIST)
		fatal("warpd: cannot create %s: %s", db_dir, strerror(errno));

	warp_err_clear(&err);
	if (warp_db_open(&db, db_abspath, WARP_DB_CREATE, &err) == -1)
		fatal("warpd: cannot open database %s: %s", db_abspath,
		    err.msg);
	have_master_key = warp_db_master_key(db, master_key);
	if (have_master_key)
		warpd_reseal(db);
	warp_db_close(db);
}

/*
 * Secrets sealed under the master key itself (a db from before the
 * workers got their own key) are sealed again before any worker starts:
 * a worker could not open them.
 */
static void
warpd_reseal(struct warp_db *db)
{
	struct warp_err	err;
	size_t		n;

	warp_err_clear(&err);
	if (warp_db_reseal(db, &n, &err) == -1)
		fatal("warpd: sealing the stored secrets again: %s", err.msg);
	if (n > 0)
		kore_log(LOG_NOTICE, "warpd: %zu stored secrets sealed again "
		    "under the workers' key and the root key", n);
}

/*
 * Group and mode of the db, -wal and -shm for the workers: on a file we
 * opened without following symlinks (the directory is theirs to write,
 * so a name there may point anywhere), changed through that descriptor.
 */
static void
warpd_db_perms(const char *path, gid_t gid, mode_t mode)
{
	char		 side[PATH_MAX];
	const char	*suffix[] = { "", "-wal", "-shm", NULL };
	struct stat	 st;
	int		 i, fd, oflags;

	for (i = 0; suffix[i] != NULL; i++) {
		(void)snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		oflags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		    O_NOCTTY;
		if ((fd = open(side, oflags)) == -1) {
			if (errno != ENOENT)
				kore_log(LOG_WARNING, "warpd: not touching %s: "
				    "%s", side, strerror(errno));
			continue;
		}
		if (fstat(fd, &st) == -1 || (i > 0 && !S_ISREG(st.st_mode)) ||
		    (i == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
			kore_log(LOG_WARNING, "warpd: not touching %s: not a "
			    "regular file", side);
			close(fd);
			continue;
		}
		if (st.st_gid != gid && fchown(fd, (uid_t)-1, gid) == -1)
			kore_log(LOG_WARNING, "warpd: chown %s: %s", side,
			    strerror(errno));
		if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
			kore_log(LOG_WARNING, "warpd: chmod %s: %s", side,
			    strerror(errno));
		close(fd);
	}
}

/* Parent side: a worker asks for an apply.  Trust nothing but its type. */
static void
warpd_msg_apply(struct kore_msg *msg, const void *data)
{
	struct warp_msg_apply	m;

	if (msg->length != sizeof(m) || data == NULL) {
		kore_log(LOG_WARNING, "warpd: invalid apply message from "
		    "worker %u (length %zu)", msg->src, (size_t)msg->length);
		return;
	}
	memcpy(&m, data, sizeof(m));
	if (m.magic != WARP_MSG_APPLY_MAGIC || m.version != 2 ||
	    (m.scope != WARP_APPLY_FULL && m.scope != WARP_APPLY_CHANGES)) {
		kore_log(LOG_WARNING, "warpd: invalid apply message from "
		    "worker %u", msg->src);
		return;
	}
	warpd_apply(m.scope);
}

/*
 * After an edit: the networks the change journal names, nothing else
 * read (the status figures wait for the minute's full apply).  Either
 * way the parent reads the database itself; a worker choosing the scope
 * can at worst delay a change to the next full apply.
 */
static void
warpd_apply(uint32_t scope)
{
#if defined(WARP_HAVE_KERNEL)
	struct warp_db		*db;
	struct warp_err		 err;
	struct warp_buf		 plan;
	int			 rc;

	if (no_apply) {
		kore_log(LOG_NOTICE, "warpd: apply disabled (WARP_NO_APPLY); "
		    "changes stay pending");
		return;
	}
	warp_err_clear(&err);
	/* The key loaded at start: the file is not read again. */
	if (warp_db_open(&db, db_abspath, WARP_DB_NOKEY, &err) == -1) {
		kore_log(LOG_ERR, "warpd: apply: %s", err.msg);
		return;
	}
	if (have_master_key)
		warp_db_set_master_key(db, master_key);
	warp_buf_init(&plan);
	if (scope == WARP_APPLY_CHANGES)
		rc = warp_kernel_apply_changes(db, NULL, 0, &plan, &err);
	else
		rc = warp_kernel_apply(db, NULL, 0, &plan, &err);
	if (rc == -1)
		kore_log(LOG_ERR, "warpd: apply failed: %s", err.msg);
	else
		kore_log(LOG_NOTICE, "warpd: applied%s",
		    scope == WARP_APPLY_CHANGES ? " the changes" : "");
	warp_buf_free(&plan);
	if (scope == WARP_APPLY_FULL) {
		struct warp_kernel_status	st;

		/* Latest handshake, rx/tx for the pages (stored in the db). */
		warp_err_clear(&err);
		memset(&st, 0, sizeof(st));
		(void)warp_kernel_status(db, NULL, &st, &err);
		warp_kernel_status_free(&st);
	}
	warp_db_close(db);
#else
	(void)no_apply;
	(void)scope;
	kore_log(LOG_NOTICE, "warpd: kernel apply not built in; changes "
	    "stay pending");
#endif
}
