# SPDX-License-Identifier: MIT
#
# mcr: userspace multicast relay.  A plain GNU Makefile on purpose: three
# small programs with four Debian library dependencies do not need a
# configure step, and Debian's dh builds a plain Makefile as it is.
#
#   make            build mcrd, mcrgen, mcrsink
#   make check      unit tests (no root needed)
#   make e2e        end-to-end tests in network namespaces (root)
#   make test       check + e2e
#   make demo       relay multicast on a throwaway topology (root)
#   make bench      mcr against the kernel (smcroute) and socat in four set-ups, into
#                   bench/results and README's table, then the worker death gap
#                   (bench/respawn.sh) (root; QUICK=1, BENCH_SETUPS, BENCH_PHASES: bench/run.sh)
#   make bench-readme  README's benchmark block from bench/results/latest.json
#   make bench-soak a 10-minute soak under churn and worker kills (SOAK_SECONDS) (root)
#   make san        ASan+UBSan build into build-san/ and run the unit tests
#   make fuzz       the libFuzzer harnesses (clang), FUZZ_SECONDS each (default 60)
#   make deps       install missing Debian build/test packages (root)
#   make deb        the Debian package, into build/deb; make pkgcheck lints and checks it
#   make DEVELOPER=1  warnings are errors (CI uses this)

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BUILD      ?= build
CC         ?= cc
V          ?= 0

PKGS       := liburing jansson libcap libsystemd libmicrohttpd libmnl
CPPFLAGS   += -D_GNU_SOURCE -DMCR_VERSION='"$(VERSION)"' -Isrc
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c17 -MMD -MP \
              -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wformat=2 \
              -Wundef -Wvla -Wwrite-strings -Wimplicit-fallthrough \
              -Wnull-dereference
ifeq ($(DEVELOPER),1)
CFLAGS     += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# --ingress xdp: only mcrd links libxdp (AF_XDP sockets) and libbpf (the program).
XDP_PKGS    := libxdp libbpf
XDP_LIBS    = $(shell pkg-config --libs $(XDP_PKGS) 2>/dev/null)
# The XDP program is built for the BPF target by clang, whatever CC is.
BPF_CLANG  ?= clang
BPF_CFLAGS := -O2 -g -target bpf -Wall -Wextra -Werror -Isrc \
              -I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)
XDP_OBJ    := $(BUILD)/bpf/xdp_relay.bpf.o

ifeq ($(V),1)
Q :=
else
Q := @
endif

COMMON_SRC := src/common/log.c src/common/addr.c src/common/payload.c src/common/proto.c \
              src/common/safefile.c
# The configuration: mcrd and mcrctl link all of it.
CONFIG_SRC := src/config/config.c src/config/config_json.c src/config/rule_spec.c \
              src/config/config_check.c src/config/value.c src/config/settings.c \
              src/config/config_when.c
CONFIG_SRC += src/config/config_downstream.c
MCRD_LIB   := src/mcrd/dataplane/packet.c src/mcrd/dataplane/rule.c $(CONFIG_SRC) \
              src/mcrd/dataplane/stats.c src/mcrd/dataplane/filter.c src/mcrd/dataplane/frame.c \
              src/mcrd/dataplane/frame6.c
MCRD_SRC   := $(MCRD_LIB) src/mcrd/dataplane/ring.c src/mcrd/dataplane/ingress.c src/mcrd/dataplane/ingress6.c \
              src/mcrd/dataplane/egress.c src/mcrd/dataplane/fwd.c src/mcrd/dataplane/worker.c src/mcrd/chan.c src/mcrd/keep.c \
              src/mcrd/supervisor/stats_merge.c src/mcrd/supervisor/supervisor.c src/mcrd/supervisor/control.c \
              src/mcrd/privs.c src/mcrd/dataplane/dp.c src/mcrd/dataplane/rx.c src/mcrd/dataplane/gen.c src/mcrd/dataplane/apply.c src/mcrd/dataplane/fileslots.c \
              src/mcrd/dataplane/txring.c src/mcrd/dataplane/rxring.c src/mcrd/dataplane/pktdiag.c src/mcrd/dataplane/udpreuse.c \
              src/mcrd/dataplane/xsk.c src/mcrd/dataplane/xdp_prog.c \
              src/mcrd/supervisor/commands.c src/mcrd/supervisor/notify.c src/mcrd/supervisor/metrics.c src/mcrd/supervisor/metrics_http.c src/mcrd/supervisor/service.c \
              src/mcrd/supervisor/limits.c src/mcrd/supervisor/change.c src/config/cfgwire.c src/mcrd/supervisor/wchan.c \
              src/config/config_diff.c src/mcrd/supervisor/stats_line.c src/mcrd/supervisor/stats_round.c \
              src/mcrd/supervisor/netlink.c src/mcrd/supervisor/ifwatch.c \
              src/mcrd/supervisor/inlock.c \
              src/mcrd/membership/igmp_wire.c src/mcrd/membership/querier.c \
              src/mcrd/membership/mld_wire.c src/mcrd/membership/mld_sock.c \
              src/mcrd/membership/lladdr.c src/mcrd/membership/pktsock.c \
              src/mcrd/membership/membership.c src/mcrd/membership/igmp_sock.c \
              src/mcrd/membership/member.c src/mcrd/membership/member_json.c \
              src/mcrd/membership/member_mld.c src/mcrd/membership/maddr.c \
              src/mcrd/membership/follow.c \
              src/mcrd/main.c
MCRGEN_SRC := src/tools/mcrgen.c src/tools/toolopt.c
MCRSINK_SRC:= src/tools/mcrsink.c src/tools/toolopt.c src/tools/histogram.c
# mcrctl checks configuration files with mcrd's own parser.
MCRCTL_SRC := $(wildcard src/mcrctl/*.c) $(CONFIG_SRC) src/mcrd/dataplane/rule.c

UNIT_TESTS := test_packet test_rule test_config test_filter test_histogram test_stats_merge test_frame
UNIT_TESTS += test_proto test_control test_mcrctl test_txring test_rxring test_safefile test_notify test_metrics test_log
UNIT_TESTS += test_limits test_cfgwire test_settings test_config_diff
UNIT_TESTS += test_ring test_ingress test_gen test_udpreuse
UNIT_TESTS += test_netlink test_ifwatch
UNIT_TESTS += test_inlock
UNIT_TESTS += test_keep
UNIT_TESTS += test_igmp_wire test_membership test_config_when test_mld_wire
UNIT_TESTS += test_config_downstream
UNIT_TESTS += test_table
UNIT_TESTS += test_member_mark
UNIT_TESTS += test_config_v6 test_frame6
UNIT_TESTS += test_lladdr
UNIT_BINS  := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
# The libFuzzer harnesses (tests/fuzz); `make check` replays the seed corpus of
# each through it.
FUZZ_TARGETS := fuzz_frame fuzz_config fuzz_rule_spec fuzz_control fuzz_reply fuzz_mld
REPLAY_BINS  := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_TARGETS))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

BINS := $(BUILD)/mcrd $(BUILD)/mcrgen $(BUILD)/mcrsink $(BUILD)/mcrctl

.SECONDARY:
.PHONY: all check e2e memcheck test demo bench bench-readme bench-respawn bench-soak san fuzz deps install uninstall deb pkgcheck clean format lint
# The bench probe is built with everything, so that it never rots.
all: $(BINS) $(BUILD)/bench/rxprobe $(BUILD)/tests/ctlhold

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/mcrd: $(call obj,$(MCRD_SRC) $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(XDP_LIBS)

$(XDP_OBJ): src/bpf/xdp_relay.bpf.c src/bpf/xdp_key.h
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  BPF     $<"
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<
# xdp_prog.c embeds the object with .incbin.
$(BUILD)/src/mcrd/dataplane/xdp_prog.o: $(XDP_OBJ)
$(BUILD)/src/mcrd/dataplane/xdp_prog.o: CPPFLAGS += -DMCR_XDP_OBJ='"$(XDP_OBJ)"'

$(BUILD)/mcrgen: $(call obj,$(MCRGEN_SRC) $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/mcrsink: $(call obj,$(MCRSINK_SRC) $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/mcrctl: $(call obj,$(MCRCTL_SRC) $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Each unit test links the real module(s) it tests plus src/common.
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(call obj,$(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka -lm
$(BUILD)/tests/test_packet: $(call obj,src/mcrd/dataplane/packet.c)
$(BUILD)/tests/test_filter: $(call obj,src/mcrd/dataplane/filter.c)
$(BUILD)/tests/test_frame: $(call obj,src/mcrd/dataplane/frame.c)
$(BUILD)/tests/test_frame6: $(call obj,src/mcrd/dataplane/frame6.c src/mcrd/dataplane/frame.c)
$(BUILD)/tests/test_rule: $(call obj,src/mcrd/dataplane/rule.c $(CONFIG_SRC))
$(BUILD)/tests/test_config: $(call obj,$(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_config_v6: $(call obj,$(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_settings: $(call obj,$(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_config_diff: $(call obj,src/config/config_diff.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c)
# test_settings checks the man pages in this tree against the settings table.
$(BUILD)/tests/unit/test_settings.o: CPPFLAGS += -DMCR_TOP='"$(CURDIR)"'
$(BUILD)/tests/test_histogram: $(call obj,src/tools/histogram.c)
$(BUILD)/tests/test_table: $(call obj,src/mcrctl/table.c)
$(BUILD)/tests/test_control: $(call obj,src/mcrd/supervisor/control.c)
$(BUILD)/tests/test_inlock: $(call obj,src/mcrd/supervisor/inlock.c)
# test_mcrctl runs the real mcrctl against control.c with a handler backed by src/config.
$(BUILD)/tests/test_mcrctl: $(call obj,src/mcrd/supervisor/control.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c) | $(BUILD)/mcrctl
$(BUILD)/tests/test_stats_merge: $(call obj,src/mcrd/supervisor/stats_merge.c src/mcrd/chan.c \
	src/mcrd/dataplane/stats.c src/common/addr.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_txring: $(call obj,src/mcrd/dataplane/txring.c tests/unit/netns_helpers.c)
$(BUILD)/tests/test_keep: $(call obj,src/mcrd/keep.c)
$(BUILD)/tests/test_rxring: $(call obj,src/mcrd/dataplane/rxring.c src/mcrd/dataplane/pktdiag.c tests/unit/netns_helpers.c)
$(BUILD)/tests/test_ring: $(call obj,src/mcrd/dataplane/ring.c)
$(BUILD)/tests/test_ingress: PKG_LIBS += $(XDP_LIBS)
$(BUILD)/tests/test_ingress: $(call obj,src/mcrd/dataplane/ingress.c src/mcrd/dataplane/ingress6.c src/mcrd/dataplane/filter.c src/mcrd/dataplane/rxring.c src/mcrd/dataplane/pktdiag.c src/mcrd/keep.c \
	src/mcrd/dataplane/xsk.c src/mcrd/dataplane/xdp_prog.c \
	src/mcrd/dataplane/stats.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c \
	tests/unit/netns_helpers.c)
# test_gen needs gen.c's whole link (egress and its rings), though it builds generations by hand.
$(BUILD)/tests/test_gen: $(call obj,src/mcrd/dataplane/gen.c src/mcrd/dataplane/stats.c \
	src/mcrd/dataplane/rule.c src/mcrd/dataplane/fileslots.c src/mcrd/dataplane/egress.c \
	src/mcrd/dataplane/udpreuse.c src/mcrd/dataplane/txring.c src/mcrd/dataplane/frame.c \
	src/mcrd/dataplane/frame6.c src/mcrd/dataplane/ring.c $(CONFIG_SRC))
$(BUILD)/tests/test_udpreuse: $(call obj,src/mcrd/dataplane/udpreuse.c)
$(BUILD)/tests/test_notify: $(call obj,src/mcrd/supervisor/notify.c)
$(BUILD)/tests/test_metrics: $(call obj,src/mcrd/supervisor/metrics.c src/mcrd/supervisor/metrics_http.c)
$(BUILD)/tests/test_limits: $(call obj,src/mcrd/supervisor/limits.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c src/mcrd/dataplane/filter.c)
$(BUILD)/tests/test_cfgwire: $(call obj,src/config/cfgwire.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_netlink: $(call obj,src/mcrd/supervisor/netlink.c tests/unit/netns_helpers.c)
$(BUILD)/tests/test_ifwatch: $(call obj,src/mcrd/supervisor/ifwatch.c src/mcrd/supervisor/netlink.c $(CONFIG_SRC) \
	src/mcrd/dataplane/rule.c tests/unit/netns_helpers.c)
$(BUILD)/tests/test_igmp_wire: $(call obj,src/mcrd/membership/igmp_wire.c)
$(BUILD)/tests/test_mld_wire: $(call obj,src/mcrd/membership/mld_wire.c src/mcrd/membership/igmp_wire.c)
$(BUILD)/tests/test_config_when: $(call obj,src/config/cfgwire.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_config_downstream: $(call obj,src/config/cfgwire.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_lladdr: $(call obj,src/mcrd/membership/lladdr.c)
$(BUILD)/tests/test_member_mark: $(call obj,src/mcrd/membership/member.c src/mcrd/membership/member_mld.c \
	src/mcrd/membership/membership.c src/mcrd/membership/querier.c src/mcrd/membership/maddr.c \
	src/mcrd/membership/igmp_wire.c src/mcrd/membership/mld_wire.c src/mcrd/membership/igmp_sock.c \
	src/mcrd/membership/mld_sock.c src/mcrd/membership/pktsock.c src/mcrd/membership/lladdr.c \
	$(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(BUILD)/tests/test_membership: $(call obj,src/mcrd/membership/membership.c src/mcrd/membership/querier.c src/mcrd/membership/maddr.c \
	src/mcrd/membership/igmp_wire.c)

check: $(UNIT_BINS) $(REPLAY_BINS)
	@tests/unit/run.sh $(UNIT_BINS) $(REPLAY_BINS)

# A raw-frame injector the e2e tests use to send malformed packets.
$(BUILD)/tests/rawframe: $(call obj,tests/tools/rawframe.c $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Holds idle connections to mcrd's control socket (e2e 63).
$(BUILD)/tests/ctlhold: $(call obj,tests/tools/ctlhold.c $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# An IGMP injector: a second querier, a host, or broken IGMP (e2e 71, 72).
$(BUILD)/tests/igmpsend: $(call obj,tests/tools/igmpsend.c tests/tools/sendtool.c src/mcrd/membership/igmp_wire.c \
	$(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# An MLD injector: a second querier, a host, or broken MLD (e2e 80-82).
$(BUILD)/tests/mldsend: $(call obj,tests/tools/mldsend.c tests/tools/sendtool.c src/mcrd/membership/mld_wire.c \
	src/mcrd/membership/igmp_wire.c $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# A source-filtered listener: (S,G) joins or blocked sources on a real socket (e2e 85, 86).
$(BUILD)/tests/ssmlisten: $(call obj,tests/tools/ssmlisten.c)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# The receive-side probe behind bench/rxprobe.sh: mcrd's ring.c and rxring.c.
$(BUILD)/bench/rxprobe: $(call obj,bench/rxprobe.c src/mcrd/dataplane/ring.c src/mcrd/dataplane/rxring.c src/mcrd/dataplane/pktdiag.c $(COMMON_SRC))
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

e2e: $(BINS) $(BUILD)/tests/rawframe $(BUILD)/tests/igmpsend $(BUILD)/tests/mldsend $(BUILD)/tests/ctlhold
e2e: $(BUILD)/tests/ssmlisten
	@BUILD=$(BUILD) tests/e2e/run.sh

# mcrd under valgrind while it relays (an ASan build cannot run under it).
memcheck: $(BINS)
	@BUILD=$(BUILD) tests/e2e/run.sh memcheck

test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory e2e

demo: deps $(BINS)
	@scripts/demo.sh

bench: deps $(BINS) $(BUILD)/bench/rxprobe
	@bench/run.sh
	@BUILD=$(BUILD) bench/respawn.sh

bench-readme:
	@bench/readme.sh

bench-respawn: $(BINS)
	@BUILD=$(BUILD) bench/respawn.sh

bench-soak: $(BINS)
	@BUILD=$(BUILD) bench/soak.sh

san:
	@$(MAKE) --no-print-directory BUILD=build-san SANITIZE=1 all check

deps:
	@scripts/deps.sh

# libFuzzer harnesses (tests/fuzz), built with clang into $(FUZZ_BUILD) and
# each run for FUZZ_SECONDS; FUZZ_JOBS run at a time.  Objects are built
# apart from the normal ones, with coverage and ASan+UBSan.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c17 -g -O1 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                -Wcast-qual -Wwrite-strings -Wvla $(FUZZ_SAN) -fsanitize=fuzzer-no-link
ifeq ($(DEVELOPER),1)
FUZZ_CFLAGS  += -Werror
endif
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
FUZZ_COMMON  := tests/fuzz/fuzz_util.c $(COMMON_SRC)
fuzzobj = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(call fuzzobj,tests/fuzz/fuzz_%.c $(FUZZ_COMMON))
	@[ "$(V)" = 1 ] || echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)
$(FUZZ_BUILD)/fuzz_frame: $(call fuzzobj,src/mcrd/dataplane/packet.c src/mcrd/dataplane/frame.c src/mcrd/dataplane/frame6.c)
$(FUZZ_BUILD)/fuzz_mld: $(call fuzzobj,src/mcrd/membership/mld_wire.c src/mcrd/membership/igmp_wire.c)
$(FUZZ_BUILD)/fuzz_config: $(call fuzzobj,tests/fuzz/roundtrip.c $(CONFIG_SRC) \
	src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
$(FUZZ_BUILD)/fuzz_rule_spec: $(call fuzzobj,tests/fuzz/roundtrip.c $(CONFIG_SRC) \
	src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
$(FUZZ_BUILD)/fuzz_control: $(call fuzzobj,src/mcrd/supervisor/commands.c src/config/config_diff.c \
	$(CONFIG_SRC) src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
# mcrctl whole, its main() renamed so that libFuzzer's is the program's, and
# its socket client replaced by one that answers with the fuzzer's bytes.
$(FUZZ_BUILD)/fuzz_reply: $(call fuzzobj,$(filter-out src/mcrctl/client.c,$(wildcard src/mcrctl/*.c)) \
	$(CONFIG_SRC) src/mcrd/dataplane/rule.c)
$(FUZZ_BUILD)/obj/src/mcrctl/mcrctl.o: CPPFLAGS += -Dmain=mcrctl_main
$(FUZZ_BUILD)/obj/src/mcrctl/mcrctl.o: FUZZ_CFLAGS += -Wno-missing-prototypes

# The same harnesses without libFuzzer, for `make check`: each replays its
# seed corpus (and so every input a fuzzer once failed on) built with $(CC),
# always with ASan and UBSan, so that a finding fails a plain `make check`
# too.  Their objects are their own, in $(BUILD)/replay.
REPLAY_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
replayobj   = $(patsubst %.c,$(BUILD)/replay/%.o,$(1))

$(BUILD)/replay/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $< (replay)"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(REPLAY_SAN) $(PKG_CFLAGS) -c -o $@ $<
$(BUILD)/tests/replay_fuzz_%: $(call replayobj,tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c $(COMMON_SRC)) \
	$(BUILD)/replay/replay_fuzz_%.o
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(REPLAY_SAN) -o $@ $^ $(PKG_LIBS) -lcmocka
$(BUILD)/replay/replay_fuzz_%.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $< ($*)"
	$(Q)$(CC) $(CPPFLAGS) -DFUZZ_CORPUS='"$(CURDIR)/tests/fuzz/corpus/fuzz_$*"' $(CFLAGS) \
		$(REPLAY_SAN) $(PKG_CFLAGS) -c -o $@ $<
$(BUILD)/tests/replay_fuzz_frame: $(call replayobj,src/mcrd/dataplane/packet.c src/mcrd/dataplane/frame.c src/mcrd/dataplane/frame6.c)
$(BUILD)/tests/replay_fuzz_mld: $(call replayobj,src/mcrd/membership/mld_wire.c src/mcrd/membership/igmp_wire.c)
$(BUILD)/tests/replay_fuzz_config: $(call replayobj,tests/fuzz/roundtrip.c $(CONFIG_SRC) \
	src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
$(BUILD)/tests/replay_fuzz_rule_spec: $(call replayobj,tests/fuzz/roundtrip.c $(CONFIG_SRC) \
	src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
$(BUILD)/tests/replay_fuzz_control: $(call replayobj,src/mcrd/supervisor/commands.c \
	src/config/config_diff.c $(CONFIG_SRC) src/mcrd/dataplane/rule.c tests/fuzz/fake_if.c)
$(BUILD)/tests/replay_fuzz_reply: $(call replayobj,$(filter-out src/mcrctl/client.c src/mcrctl/mcrctl.c,\
	$(wildcard src/mcrctl/*.c)) $(CONFIG_SRC) src/mcrd/dataplane/rule.c) $(BUILD)/replay/mcrctl_main.o
$(BUILD)/replay/mcrctl_main.o: src/mcrctl/mcrctl.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $< (replay, main renamed)"
	$(Q)$(CC) $(CPPFLAGS) -Dmain=mcrctl_main $(CFLAGS) -Wno-missing-prototypes $(REPLAY_SAN) \
		$(PKG_CFLAGS) -c -o $@ $<

fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_BUILD=$(FUZZ_BUILD) \
		tests/fuzz/run.sh $(FUZZ_BINS)

# Where install puts what; Debian's rules set SYSTEMDUNITDIR=/lib/systemd/system.
SBINDIR       ?= $(PREFIX)/sbin
BINDIR        ?= $(PREFIX)/bin
MANDIR        ?= $(PREFIX)/share/man
DATADIR       ?= $(PREFIX)/share/mcr
DOCDIR        ?= $(PREFIX)/share/doc/mcr
SYSTEMDUNITDIR?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d

# Every file install writes, so that uninstall removes exactly that set.
INSTALLED := $(SBINDIR)/mcrd $(SBINDIR)/mcrctl $(BINDIR)/mcrgen $(BINDIR)/mcrsink \
	$(MANDIR)/man8/mcrd.8 $(MANDIR)/man8/mcrctl.8 $(MANDIR)/man5/mcrd.conf.5 \
	$(MANDIR)/man1/mcrgen.1 $(MANDIR)/man1/mcrsink.1 \
	$(DATADIR)/setup_kernel_tuning.sh $(DOCDIR)/examples/mcrd.json \
	$(SYSTEMDUNITDIR)/mcrd.service $(SYSUSERSDIR)/mcr.conf $(TMPFILESDIR)/mcr.conf

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(BUILD)/mcrd $(BUILD)/mcrctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/mcrgen $(BUILD)/mcrsink $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/man/mcrd.8 docs/man/mcrctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/man/mcrd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/man/mcrgen.1 docs/man/mcrsink.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0755 scripts/setup_kernel_tuning.sh $(DESTDIR)$(DATADIR)/
	install -m 0644 examples/demo.json $(DESTDIR)$(DOCDIR)/examples/mcrd.json
	install -m 0644 systemd/mcrd.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 systemd/mcr.sysusers $(DESTDIR)$(SYSUSERSDIR)/mcr.conf
	install -m 0644 systemd/mcr.tmpfiles $(DESTDIR)$(TMPFILESDIR)/mcr.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

# The Debian package, built from a copy of the tree's files in build/deb;
# pkgcheck lints it, checks its contents against install and verifies the unit.
PKG_TOOLS := debhelper dpkg-dev fakeroot lintian systemd
deb:
	@scripts/deps.sh $(PKG_TOOLS)
	@scripts/build-deb.sh

pkgcheck:
	@scripts/deps.sh $(PKG_TOOLS)
	@tests/pkg/check.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	clang-tidy $$(git ls-files 'src/*.c') -- $(CPPFLAGS) -std=c17 $(PKG_CFLAGS)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
