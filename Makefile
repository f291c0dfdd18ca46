# WARP gateway — top-level build.
#
# make            build build/libwarp.a (the core), build/warpctl and build/warpd
# make run        build and run warpd in the foreground on 127.0.0.1:8080
#                 (the gateway in the netns warp-dev with a NATed uplink)
# make test       unit, CLI and real-kernel tests (ends with "N passed, N failed")
# make deps       install the Debian packages the build and tests need

TOP		:= $(abspath .)
BUILD		:= $(TOP)/build
CC		?= cc

WARNFLAGS	= -Wall -Werror -Wstrict-prototypes -Wmissing-prototypes \
		  -Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
		  -Wsign-compare
CFLAGS		?= -O2 -g
CFLAGS		+= $(WARNFLAGS) -D_GNU_SOURCE -I$(TOP)/src/includes \
		  -I$(BUILD)/gen -I/usr/include/libnl3
LIBS		= -lsqlite3 -lnl-3 -lnl-route-3 -lmnl -lnftnl -lqrencode \
		  -lsodium -lpng

CORE_SRC	= $(wildcard src/core/*.c) $(wildcard src/kernel/*.c)
CORE_OBJ	= $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRC)) \
		  $(BUILD)/obj/gen/warp_migrations_data.o
HEADERS		= $(wildcard src/includes/*.h)
MIGRATIONS	= $(sort $(wildcard migrations/*.sql))

WARP_DB_DEV	?= $(TOP)/run/warp.db
# Its master key, outside run/ (which warpd makes the workers').
WARP_KEY_DEV	?= $(TOP)/run-keys/master.key

UNIT_SRC	= $(wildcard tests/unit/test_*.c)
UNIT_BIN	= $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))

all: $(BUILD)/libwarp.a $(BUILD)/warpctl $(BUILD)/warpd

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/check.h tests/unit/testdb.h \
    $(BUILD)/libwarp.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(BUILD)/libwarp.a $(LIBS)

# The template engine, with the templates kodev compiled in (so after
# warpd is built).
$(BUILD)/tests/unit/test_tpl: tests/unit/test_tpl.c tests/unit/check.h \
    src/web/warp_tpl.c $(BUILD)/libwarp.a $(BUILD)/warpd $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -I/usr/share/kore/include \
	    -I$(BUILD)/kodev/warpd/.objs -o $@ $< src/web/warp_tpl.c \
	    $(BUILD)/kodev/warpd/.objs/*_html.c $(BUILD)/libwarp.a $(LIBS)

# Fuzzers (libFuzzer, clang): the core compiled again with coverage and
# sanitizers; `tests/run-all fuzz` runs each for a fixed number of inputs.
FUZZ_SRC	= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN	= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ	= $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(wildcard src/core/*.c)) \
		  $(BUILD)/fuzz/obj/gen/warp_migrations_data.o
FUZZ_CFLAGS	= -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		  $(WARNFLAGS) -D_GNU_SOURCE -I$(TOP)/src/includes -I/usr/include/libnl3

$(BUILD)/fuzz/obj/gen/%.o: $(BUILD)/gen/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)

# Web-side parsers: the template engine, with the templates kodev compiled
# in (so after warpd is built).
FUZZ_WEB_CFLAGS	= $(FUZZ_CFLAGS) -I/usr/share/kore/include \
		  -I$(BUILD)/kodev/warpd/.objs
$(BUILD)/fuzz/fuzz_tpl: tests/fuzz/fuzz_tpl.c src/web/warp_tpl.c $(FUZZ_OBJ) $(BUILD)/warpd
	clang $(FUZZ_WEB_CFLAGS) -fsanitize=fuzzer -o $@ $< src/web/warp_tpl.c \
	    $(BUILD)/kodev/warpd/.objs/*_html.c $(FUZZ_OBJ) $(LIBS)

# Netlink reply callbacks: the rooms that parse dumps are compiled into
# the harness (their callbacks are static), the other kernel rooms linked.
FUZZ_NL_SRC	= src/kernel/kernel_wgnl.c src/kernel/kernel_fw.c \
		  src/kernel/kernel_quota.c src/kernel/kernel_tc.c \
		  src/kernel/kernel_l2.c
FUZZ_NL_OBJ	= $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,\
		  $(filter-out $(FUZZ_NL_SRC),$(wildcard src/kernel/*.c)))
$(BUILD)/fuzz/fuzz_netlink: tests/fuzz/fuzz_netlink.c $(FUZZ_NL_SRC) $(FUZZ_OBJ) $(FUZZ_NL_OBJ) \
    $(HEADERS)
	clang $(FUZZ_CFLAGS) -Wno-missing-prototypes -Wno-cast-qual \
	    -fsanitize=fuzzer -o $@ \
	    $< $(FUZZ_OBJ) $(FUZZ_NL_OBJ) $(LIBS)

# The request parsers (forms, JSON bodies, cookies): Kore-free, alone.
$(BUILD)/fuzz/fuzz_form $(BUILD)/fuzz/fuzz_json $(BUILD)/fuzz/fuzz_cookie: \
    $(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/form_check.h src/web/warp_parse.c $(FUZZ_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< src/web/warp_parse.c \
	    $(FUZZ_OBJ) $(LIBS)

tests-build: all $(UNIT_BIN) $(FUZZ_BIN)

$(BUILD)/gen/warp_migrations_data.c: $(MIGRATIONS) migrations/embed.sh
	@mkdir -p $(dir $@)
	sh migrations/embed.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libwarp.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

$(BUILD)/warpctl: $(wildcard cli/*.c) $(wildcard cli/*.h) $(BUILD)/libwarp.a $(HEADERS)
	$(CC) $(CFLAGS) -Icli -o $@ $(wildcard cli/*.c) $(BUILD)/libwarp.a $(LIBS)

# kodev names the program after its directory and compiles every .c under
# src/: build in a staging directory called warpd whose src/ is only the web
# handlers, so the core is linked once, from libwarp.a, like warpctl.
WEB_SRC		= $(wildcard src/web/*.c) $(wildcard assets/*) $(wildcard templates/*)
$(BUILD)/warpd: $(BUILD)/libwarp.a $(WEB_SRC) $(HEADERS) conf/warpd.conf conf/build.conf.in
	@mkdir -p $(BUILD)/kodev/warpd/conf $(BUILD)/kodev/warpd/assets
	ln -sfn $(TOP)/src/web $(BUILD)/kodev/warpd/src
	rm -rf $(BUILD)/kodev/warpd/assets && mkdir -p $(BUILD)/kodev/warpd/assets
	cp -p assets/* templates/* $(BUILD)/kodev/warpd/assets/ 2>/dev/null || true
	cp conf/warpd.conf $(BUILD)/kodev/warpd/conf/warpd.conf
	sed -e 's|@TOP@|$(TOP)|g' -e 's|@BUILD@|$(BUILD)|g' \
	    conf/build.conf.in > $(BUILD)/kodev/warpd/conf/build.conf
	cd $(BUILD)/kodev/warpd && kodev clean >/dev/null 2>&1; \
	    cd $(BUILD)/kodev/warpd && kodev build
	cp $(BUILD)/kodev/warpd/warpd $@

# warpd's workers run as the unprivileged user "warp" (chrooted into the
# db directory); as non-root there is nobody to switch to: -r -n.
# A first `make run` initialises the dev database with the gateway in its
# own network namespace ($(WARP_NETNS_DEV)), so trying the appliance never
# changes the host's own networking; `init` prints the admin password.
# As root the namespace gets an uplink, made by `warpctl dev-uplink` over
# netlink: a veth pair (warp-dev0 on the host, 10.231.255.1/30; uplink0 in
# the namespace, .2, default route via .1), IP forwarding on, and table ip
# warp_dev (masquerade out; the database's WireGuard port pool forwarded
# to the namespace), so Secure Internet networks apply and a WireGuard
# client reaches them at the host's address. `make run-clean` removes the
# table, the pair and the namespace (`warpctl dev-uplink --remove`).
WARP_NETNS_DEV	?= warp-dev
run: export WARP_KEY = $(WARP_KEY_DEV)
run: all
	@mkdir -p $(dir $(WARP_DB_DEV))
	@if [ ! -e $(WARP_DB_DEV) ]; then \
	    $(BUILD)/warpctl --db $(WARP_DB_DEV) init 2>/dev/null || \
	    $(BUILD)/warpctl --db $(WARP_DB_DEV) init --public-host 127.0.0.1 \
	    || exit 1; \
	    $(BUILD)/warpctl --db $(WARP_DB_DEV) config set netns \
	    $(WARP_NETNS_DEV) || exit 1; fi
	@if [ "$$(id -u)" = 0 ] && ! id warp >/dev/null 2>&1; then \
	    useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin warp; fi
	@if [ "$$(id -u)" = 0 ] && [ "$$($(BUILD)/warpctl --db $(WARP_DB_DEV) \
	    config show --json | sed -n 's/.*"netns":"\([^"]*\)".*/\1/p')" = \
	    "$(WARP_NETNS_DEV)" ]; then \
	    $(BUILD)/warpctl --db $(WARP_DB_DEV) dev-uplink \
	    --netns $(WARP_NETNS_DEV) >/dev/null || exit 1; \
	    $(BUILD)/warpctl --db $(WARP_DB_DEV) config show --json | \
	    grep -q '"uplink":"uplink0"' || $(BUILD)/warpctl --db \
	    $(WARP_DB_DEV) config set uplink uplink0 || exit 1; \
	    echo "make run: gateway namespace $(WARP_NETNS_DEV), uplink" \
	    "uplink0 (veth to warp-dev0, NAT: table ip warp_dev)"; fi
	WARP_DB=$(WARP_DB_DEV) $(BUILD)/warpd -f $$([ "$$(id -u)" = 0 ] || echo -r -n)

run-clean:
	-$(BUILD)/warpctl dev-uplink --netns $(WARP_NETNS_DEV) --remove

deps:
	sh ./install-deps.sh

test: tests-build
	sh tests/run-all

test-unit: tests-build
	sh tests/run-all unit

test-cli: all
	sh tests/run-all cli

test-kernel: all
	sh tests/run-all kernel

test-deploy: all
	sh tests/run-all deploy

bench: all
	sh bench/run
	sh bench/alloc
	sh bench/traffic_scale
	sh bench/fw_scale.sh
	sh bench/admin_scale
	sh bench/change
	sh bench/apply_scale
	sh bench/vs_baseline
	sh bench/memory
	sh bench/render

clean:
	rm -rf $(BUILD)

# Keep intermediate objects (and keep make from printing their removal
# after the test summary line).
.SECONDARY:

.PHONY: tests-build all run run-clean deps test test-unit test-cli test-kernel test-deploy bench clean
