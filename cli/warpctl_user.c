/* warpctl commands: user (filled in by its own issue). */
#include "warpctl.h"

const struct warpctl_command warpctl_user_commands[] = {
	{ NULL, NULL, NULL }
};
