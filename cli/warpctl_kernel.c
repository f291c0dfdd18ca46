/* warpctl commands: kernel (filled in by its own issue). */
#include "warpctl.h"

const struct warpctl_command warpctl_kernel_commands[] = {
	{ NULL, NULL, NULL }
};
