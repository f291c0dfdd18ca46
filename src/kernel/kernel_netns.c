/*
 * Named network namespaces, the way iproute2 keeps them: a file under
 * /run/netns bind-mounted over a namespace, the directory itself a
 * shared mount so that the binding is seen from every mount namespace.
 * Only the calling thread changes namespace; it is switched back with
 * warp_netns_leave().
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "warp.h"
#include "warp_kernel.h"

#define WARP_NETNS_DIR		"/run/netns"
#define WARP_NETNS_SELF		"/proc/thread-self/ns/net"

static int	warp_netns_path(const char *, char *, size_t, struct warp_err *);
static int	warp_netns_create(const char *, const char *, struct warp_err *);

static int
warp_netns_path(const char *name, char *path, size_t len, struct warp_err *err)
{
	const char	*p;

	if (name == NULL || *name == '\0' || strlen(name) >= WARP_IFNAMSIZ ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (warp_err_input(err, "invalid network namespace name"));
	for (p = name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.')
			continue;
		return (warp_err_input(err, "invalid network namespace name "
		    "'%s' (letters, digits, '-', '_', '.')", name));
	}
	(void)snprintf(path, len, "%s/%s", WARP_NETNS_DIR, name);
	return (0);
}

int
warp_netns_exists(const char *name)
{
	char		path[PATH_MAX];
	struct warp_err	err;
	struct stat	st;

	if (warp_netns_path(name, path, sizeof(path), &err) == -1)
		return (0);
	return (stat(path, &st) == 0);
}

static int
warp_netns_create(const char *name, const char *path, struct warp_err *err)
{
	int	fd, orig = -1, created = 0, ret = -1;

	if (mkdir(WARP_NETNS_DIR, 0755) == -1 && errno != EEXIST) {
		warp_err_system(err, "mkdir %s: %s", WARP_NETNS_DIR,
		    strerror(errno));
		goto out;
	}
	/* Not yet a mount point: bind it onto itself first (as iproute2). */
	if (mount("", WARP_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == -1) {
		if (errno != EINVAL ||
		    mount(WARP_NETNS_DIR, WARP_NETNS_DIR, "none",
		    MS_BIND | MS_REC, NULL) == -1 ||
		    mount("", WARP_NETNS_DIR, "none", MS_SHARED | MS_REC,
		    NULL) == -1) {
			warp_err_system(err, "make %s a shared mount: %s",
			    WARP_NETNS_DIR, strerror(errno));
			goto out;
		}
	}
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)) == -1) {
		warp_err_system(err, "create %s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	created = 1;

	if ((orig = open(WARP_NETNS_SELF, O_RDONLY | O_CLOEXEC)) == -1) {
		warp_err_system(err, "%s: %s", WARP_NETNS_SELF, strerror(errno));
		goto out;
	}
	if (unshare(CLONE_NEWNET) == -1) {
		warp_err_system(err, "new network namespace %s: %s", name,
		    strerror(errno));
		goto out;
	}
	if (mount(WARP_NETNS_SELF, path, "none", MS_BIND, NULL) == -1) {
		warp_err_system(err, "bind %s: %s", path, strerror(errno));
		if (setns(orig, CLONE_NEWNET) == -1)
			warp_fatal("cannot return to the original namespace");
		goto out;
	}
	if (setns(orig, CLONE_NEWNET) == -1)
		warp_fatal("cannot return to the original namespace");
	ret = 0;
out:
	if (orig != -1)
		close(orig);
	if (ret == -1 && created)
		(void)unlink(path);
	return (ret);
}

int
warp_netns_enter(const char *name, int create, int *saved,
    struct warp_err *err)
{
	char	path[PATH_MAX];
	int	fd = -1, ret = -1;

	*saved = -1;
	if (name == NULL || *name == '\0')
		return (0);
	if (warp_netns_path(name, path, sizeof(path), err) == -1)
		return (-1);
	if (access(path, F_OK) == -1) {
		if (!create)
			return (warp_err_set(err, WARP_ENOTFOUND,
			    "network namespace %s does not exist", name));
		if (warp_netns_create(name, path, err) == -1)
			return (-1);
	}
	if ((*saved = open(WARP_NETNS_SELF, O_RDONLY | O_CLOEXEC)) == -1) {
		warp_err_system(err, "%s: %s", WARP_NETNS_SELF, strerror(errno));
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		warp_err_system(err, "open %s: %s", path, strerror(errno));
		goto out;
	}
	if (setns(fd, CLONE_NEWNET) == -1) {
		warp_err_system(err, "enter network namespace %s: %s", name,
		    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	if (ret == -1 && *saved != -1) {
		close(*saved);
		*saved = -1;
	}
	return (ret);
}

void
warp_netns_leave(int saved)
{
	if (saved == -1)
		return;
	if (setns(saved, CLONE_NEWNET) == -1)
		warp_fatal("cannot return to the original network namespace");
	close(saved);
}

int
warp_netns_delete(const char *name, struct warp_err *err)
{
	char	path[PATH_MAX];

	if (warp_netns_path(name, path, sizeof(path), err) == -1)
		return (-1);
	(void)umount2(path, MNT_DETACH);
	if (unlink(path) == -1 && errno != ENOENT)
		return (warp_err_system(err, "remove %s: %s", path,
		    strerror(errno)));
	return (0);
}
