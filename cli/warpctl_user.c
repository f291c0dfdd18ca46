/*
 * warpctl commands: users and API tokens of the web admin.
 *
 *   warpctl user add NAME [--role admin|operator|viewer] [--password-stdin]
 *   warpctl user passwd NAME [--password-stdin]
 *   warpctl user role NAME ROLE
 *   warpctl user del NAME
 *   warpctl user list [--json]
 *   warpctl token create NAME --user USER [--expires TIME] [--read-only]
 *   warpctl token list [--json]
 *   warpctl token revoke ID
 *
 * Without --password-stdin a random one-time password is printed and must
 * be changed at the first sign-in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "warpctl.h"
#include "warp_auth.h"

static int	cmd_user(struct warpctl *, int, char **);
static int	cmd_token(struct warpctl *, int, char **);
static int	user_password(int, char *, size_t, int *, struct warp_err *);
static int	has_flag(int, char **, const char *);
static const char *opt_value(int, char **, const char *);

const struct warpctl_command warpctl_user_commands[] = {
	{ "user", cmd_user, "user add NAME [--role ROLE] [--password-stdin] | "
	    "passwd NAME [--password-stdin] | role NAME ROLE | del NAME | "
	    "list [--json]" },
	{ "token", cmd_token, "token create NAME --user USER [--expires "
	    "YYYY-MM-DDTHH:MM:SSZ] [--read-only] | list [--json] "
	    "| revoke ID" },
	{ NULL, NULL, NULL }
};

static int
has_flag(int argc, char **argv, const char *flag)
{
	int	i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], flag))
			return (1);
	return (0);
}

static const char *
opt_value(int argc, char **argv, const char *opt)
{
	int	i;

	for (i = 0; i < argc - 1; i++)
		if (!strcmp(argv[i], opt))
			return (argv[i + 1]);
	return (NULL);
}

/* A password from stdin (one line), or a random one-time password. */
static int
user_password(int from_stdin, char *pw, size_t len, int *generated,
    struct warp_err *err)
{
	size_t	n;

	*generated = 0;
	if (!from_stdin) {
		if (warp_password_random(pw, 21) == -1)
			return (warp_err_system(err, "no random password"));
		*generated = 1;
		return (0);
	}
	if (fgets(pw, (int)len, stdin) == NULL)
		return (warp_err_input(err, "no password on standard input"));
	n = strlen(pw);
	if (n > 0 && pw[n - 1] == '\n')
		pw[--n] = '\0';
	else if (n == len - 1)
		return (warp_err_input(err, "password too long (at most %d "
		    "characters)", WARP_PASSWORD_MAX));
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	return (0);
}

static int
cmd_user(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err		 err;
	struct warp_db		*db;
	struct warp_user	*users;
	enum warp_role		 role;
	const char		*rolename, *sub;
	char			 pw[WARP_PASSWORD_MAX + 2];
	size_t			 i, n;
	int			 generated, rc, json;

	warp_err_clear(&err);
	if (argc < 2)
		return (warpctl_usage("user", warpctl_user_commands[0].usage));
	sub = argv[1];
	if (strcmp(sub, "list") != 0 && (argc < 3 || argv[2][0] == '-'))
		return (warpctl_usage("user", warpctl_user_commands[0].usage));
	if ((db = warpctl_db(ctl, &err)) == NULL)
		return (warpctl_fail(&err));

	rc = 0;
	if (!strcmp(sub, "add")) {
		role = WARP_ROLE_OPERATOR;
		if ((rolename = opt_value(argc, argv, "--role")) != NULL &&
		    warp_role_parse(rolename, &role, &err) == -1)
			return (warpctl_fail(&err));
		if (warp_username_validate(argv[2], &err) == -1 ||
		    user_password(has_flag(argc, argv, "--password-stdin"),
		    pw, sizeof(pw), &generated, &err) == -1)
			return (warpctl_fail(&err));
		rc = warp_user_create(db, argv[2], pw, role, generated,
		    ctl->actor, NULL, &err);
		if (rc == 0 && generated)
			printf("one-time password for %s: %s\n(it must be "
			    "changed at the first sign-in)\n", argv[2], pw);
		sodium_memzero(pw, sizeof(pw));
	} else if (!strcmp(sub, "passwd")) {
		if (user_password(has_flag(argc, argv, "--password-stdin"),
		    pw, sizeof(pw), &generated, &err) == -1)
			return (warpctl_fail(&err));
		rc = warp_user_set_password(db, argv[2], pw, generated,
		    ctl->actor, &err);
		if (rc == 0 && generated)
			printf("one-time password for %s: %s\n(it must be "
			    "changed at the next sign-in)\n", argv[2], pw);
		sodium_memzero(pw, sizeof(pw));
	} else if (!strcmp(sub, "role")) {
		if (argc < 4)
			return (warpctl_usage("user",
			    warpctl_user_commands[0].usage));
		if (warp_role_parse(argv[3], &role, &err) == -1)
			return (warpctl_fail(&err));
		rc = warp_user_set_role(db, argv[2], role, ctl->actor, &err);
	} else if (!strcmp(sub, "del") || !strcmp(sub, "delete")) {
		rc = warp_user_delete(db, argv[2], ctl->actor, &err);
	} else if (!strcmp(sub, "list")) {
		json = has_flag(argc, argv, "--json");
		if (warp_user_list(db, &users, &n, &err) == -1)
			return (warpctl_fail(&err));
		if (json)
			printf("[");
		for (i = 0; i < n; i++) {
			if (json) {
				printf("%s{\"id\":%lld,\"username\":\"%s\","
				    "\"role\":\"%s\",\"must_change_password\":"
				    "%s}", i ? "," : "",
				    (long long)users[i].id, users[i].username,
				    warp_role_name(users[i].role),
				    users[i].must_change_password ?
				    "true" : "false");
			} else {
				printf("%-24s %-9s%s\n", users[i].username,
				    warp_role_name(users[i].role),
				    users[i].must_change_password ?
				    " (must change password)" : "");
			}
		}
		if (json)
			printf("]\n");
		warp_user_list_free(users);
	} else {
		return (warpctl_usage("user", warpctl_user_commands[0].usage));
	}
	if (rc == -1)
		return (warpctl_fail(&err));
	return (0);
}

static int
cmd_token(struct warpctl *ctl, int argc, char **argv)
{
	struct warp_err		 err;
	struct warp_db		*db;
	struct warp_token	*toks;
	const char		*user, *sub, *exp;
	int64_t			 expires;
	char			 until[32];
	char			 token[WARP_TOKEN_STRLEN], *end;
	char			 created[32], used[32];
	long long		 id;
	size_t			 i, n;
	int			 json;

	warp_err_clear(&err);
	if (argc < 2)
		return (warpctl_usage("token", warpctl_user_commands[1].usage));
	sub = argv[1];
	if ((db = warpctl_db(ctl, &err)) == NULL)
		return (warpctl_fail(&err));

	if (!strcmp(sub, "create")) {
		user = opt_value(argc, argv, "--user");
		if (argc < 3 || argv[2][0] == '-' || user == NULL)
			return (warpctl_usage("token",
			    warpctl_user_commands[1].usage));
		expires = 0;
		if ((exp = opt_value(argc, argv, "--expires")) != NULL &&
		    warp_time_parse(exp, &expires, &err) == -1)
			return (warpctl_fail(&err));
		if (exp != NULL && expires <= (int64_t)time(NULL)) {
			warp_err_input(&err, "--expires must be in the future");
			return (warpctl_fail(&err));
		}
		if (warp_token_create_opts(db, user, argv[2], expires,
		    has_flag(argc, argv, "--read-only"), ctl->actor, token,
		    NULL, &err) == -1)
			return (warpctl_fail(&err));
		/* Shown once; only its hash is stored. */
		printf("%s\n", token);
		sodium_memzero(token, sizeof(token));
		return (0);
	}
	if (!strcmp(sub, "list")) {
		json = has_flag(argc, argv, "--json");
		if (warp_token_list(db, &toks, &n, &err) == -1)
			return (warpctl_fail(&err));
		if (json)
			printf("[");
		for (i = 0; i < n; i++) {
			warp_time_format(toks[i].created_at, created,
			    sizeof(created));
			if (toks[i].last_used)
				warp_time_format(toks[i].last_used, used,
				    sizeof(used));
			else
				(void)snprintf(used, sizeof(used), "never");
			if (toks[i].expires_at)
				warp_time_format(toks[i].expires_at, until,
				    sizeof(until));
			else
				(void)snprintf(until, sizeof(until), "never");
			if (json) {
				printf("%s{\"id\":%lld,\"name\":\"%s\","
				    "\"user\":\"%s\",\"created\":\"%s\","
				    "\"last_used\":\"%s\",\"expires\":\"%s\","
				    "\"scope\":\"%s\"}", i ? "," : "",
				    (long long)toks[i].id, toks[i].name,
				    toks[i].username, created, used, until,
				    toks[i].read_only ? "read" : "write");
			} else {
				printf("%-6lld %-24s %-16s %s  last used %s  "
				    "expires %s  %s\n", (long long)toks[i].id,
				    toks[i].name, toks[i].username, created,
				    used, until, toks[i].read_only ?
				    "read-only" : "read-write");
			}
		}
		if (json)
			printf("]\n");
		warp_token_list_free(toks);
		return (0);
	}
	if (!strcmp(sub, "revoke")) {
		if (argc < 3)
			return (warpctl_usage("token",
			    warpctl_user_commands[1].usage));
		id = strtoll(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || id <= 0) {
			warp_err_input(&err, "token ids are positive numbers "
			    "(see `warpctl token list`)");
			return (warpctl_fail(&err));
		}
		if (warp_token_revoke(db, id, ctl->actor, &err) == -1)
			return (warpctl_fail(&err));
		return (0);
	}
	return (warpctl_usage("token", warpctl_user_commands[1].usage));
}
