#!/bin/sh
# Writes DEBIAN/ into an installed tree ($2) for aegisd version $1: control, conffiles and the
# maintainer scripts. The package creates the service user and directories (sysusers, tmpfiles)
# and reloads systemd, but enables and starts nothing: an operator does that on purpose.
set -eu
version=$1
root=$2
arch=$(dpkg --print-architecture)
mkdir -p "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: aegisd
Version: $version
Architecture: $arch
Maintainer: aegisd maintainers <maintainers@users.noreply.example>
Installed-Size: $size
Depends: postgresql-15, redis-server (>= 5:7.0), libpq5, libsystemd0, libssl3, zlib1g, util-linux, systemd, procps
Recommends: age, postgresql-client-15, redis-tools
Section: database
Priority: optional
Description: supervisor for the Aegis platform's PostgreSQL x3, Redis and Loki
 aegisd runs three PostgreSQL instances, Redis and (where installed) Grafana Loki as its
 children under systemd, restarts what fails, takes encrypted backups (age format) on a
 schedule with restore drills, and answers aegisctl over a Unix socket.
CONTROL
echo "/etc/aegis/aegisd.toml" > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # Without its user the service cannot start: a failure here fails the installation.
    systemd-sysusers aegisd.conf
    systemd-tmpfiles --create aegisd.conf || true
    chgrp aegis /etc/aegis/aegisd.toml 2>/dev/null || true
    # Index aegisd's alert catalog so that journalctl -x explains its alerts.
    journalctl --update-catalog 2>/dev/null || true
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
    echo "aegisd installed. Review /etc/aegis/aegisd.toml (set backup.recipients), then:"
    echo "  systemctl enable --now aegisd"
fi
exit 0
POSTINST
cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
journalctl --update-catalog 2>/dev/null || true
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
