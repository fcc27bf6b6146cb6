#!/bin/sh
# Writes DEBIAN/ into an installed tree ($2) for aegisd version $1: control, conffiles, the
# maintainer scripts, and the files Debian policy asks of every package (copyright, changelog,
# lintian overrides). The package creates the service user and directories (sysusers, tmpfiles)
# and reloads systemd, but enables and starts nothing on a first install: an operator does that
# on purpose.
#
# The maintainer scripts follow what dh_installsystemd generates (deb-systemd-helper for the
# enablement state, deb-systemd-invoke for start/stop, so policy-rc.d is honoured), with one
# difference the databases ask for: an upgrade stops aegisd in prerm, before dpkg replaces the
# binaries, and postinst starts it again only when it was running before.
set -eu
version=$1
root=$(cd "$2" && pwd)
arch=$(dpkg --print-architecture)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$root/DEBIAN"

# Debian policy 12.5 and 12.7: every package ships its copyright and (native) changelog.
doc=$root/usr/share/doc/aegisd
install -d "$doc"
cat > "$doc/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: aegisd
Comment: aegisd supervises PostgreSQL, Redis and Loki; it links libpq, libssl, libsystemd and
 zlib dynamically from Debian and the Swift runtime statically.

Files: *
Copyright: 2026 the aegisd maintainers
License: proprietary
 All rights reserved by the aegisd maintainers. Redistribution requires their permission.
COPYRIGHT
# The changelog of a native package: one entry per version, newest first, gzip -9n.
date_rfc2822=$(LC_ALL=C date -u -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$here/.." log -1 --format=%ct 2>/dev/null || date +%s)}")
cat <<CHANGELOG | gzip -9n > "$doc/changelog.gz"
aegisd ($version) stable; urgency=medium

  * Release $version of aegisd. The history is in the project's version control.

 -- aegisd maintainers <maintainers@aegisd.invalid>  $date_rfc2822
CHANGELOG

# What lintian says that does not apply to this package, each with the reason.
install -d "$root/usr/share/lintian/overrides"
cat > "$root/usr/share/lintian/overrides/aegisd" <<'OVERRIDES'
# Swift compiles its own code without _FORTIFY_SOURCE; the C libraries it calls come from Debian.
aegisd: hardening-no-fortify-functions [usr/bin/aegisctl]
aegisd: hardening-no-fortify-functions [usr/bin/aegisd]
# The Swift runtime is linked statically (no Swift toolchain in Debian's archive to depend on).
aegisd: embedded-library *
# The configuration is readable by the aegis group only (aegisd runs as that user).
aegisd: non-standard-file-perm 0640 != 0644 [etc/aegis/aegisd.toml]
# After an upgrade aegisd is started again when it ran before, enabled or not; deb-systemd-invoke
# starts enabled units only, so postinst asks policy-rc.d itself and then calls systemctl.
aegisd: maintainer-script-calls-systemctl [postinst:*]
aegisd: command-with-path-in-maintainer-script /usr/sbin/policy-rc.d *
OVERRIDES

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# The shared libraries the binaries need, with versions, as dpkg-shlibdeps finds them (libc,
# libpq, libssl, libsystemd, zlib, libstdc++ for the Swift runtime linked in statically).
shlibs_dir=$(mktemp -d)
mkdir -p "$shlibs_dir/debian"
printf 'Source: aegisd\n\nPackage: aegisd\nArchitecture: any\n' > "$shlibs_dir/debian/control"
shlibs=$(cd "$shlibs_dir" && dpkg-shlibdeps -O -e"$root/usr/bin/aegisd" -e"$root/usr/bin/aegisctl" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs_dir"
[ -n "$shlibs" ] || { echo "dpkg-shlibdeps found no libraries for $root/usr/bin" >&2; exit 1; }
cat > "$root/DEBIAN/control" <<CONTROL
Package: aegisd
Version: $version
Architecture: $arch
Maintainer: aegisd maintainers <maintainers@aegisd.invalid>
Installed-Size: $size
Depends: $shlibs, postgresql-15, redis-server (>= 5:7.0), systemd, procps, init-system-helpers (>= 1.52)
Recommends: age, postgresql-client-15, redis-tools, pgbackrest
Section: database
Priority: optional
Description: supervisor for the Aegis platform's PostgreSQL x3, Redis and Loki
 aegisd runs three PostgreSQL instances, Redis and (where installed) Grafana
 Loki as its children under systemd, restarts what fails, takes encrypted
 backups (age format) on a schedule with restore drills, archives WAL with
 pgBackRest for point-in-time recovery, and answers aegisctl
 over a Unix socket.
CONTROL
echo "/etc/aegis/aegisd.toml" > "$root/DEBIAN/conffiles"

# Set while an upgrade is in flight: prerm found aegisd running and stopped it.
marker=/run/aegisd.dpkg-restart

cat > "$root/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
# Stop aegisd (and so every database it runs, each down its stop ladder) before dpkg replaces
# or removes its files. On an upgrade, remember that it ran so postinst starts it again.
case "\$1" in
    remove|upgrade|deconfigure)
        if [ -d /run/systemd/system ] && systemctl is-active --quiet aegisd.service; then
            if [ "\$1" = upgrade ]; then touch $marker; fi
            echo "Stopping aegisd (PostgreSQL x3, Redis and Loki stop with it)."
            deb-systemd-invoke stop aegisd.service >/dev/null || true
        fi
        ;;
esac
exit 0
PRERM

cat > "$root/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
case "\$1" in
    configure|abort-upgrade|abort-deconfigure|abort-remove)
        # Without its user the service cannot start: a failure here fails the installation.
        systemd-sysusers aegisd.conf
        systemd-tmpfiles --create aegisd.conf || true
        chgrp aegis /etc/aegis/aegisd.toml 2>/dev/null || true
        # Index aegisd's alert catalog so that journalctl -x explains its alerts.
        journalctl --update-catalog 2>/dev/null || true
        # Track the unit's enablement state without enabling it (purge needs it), and undo the
        # mask that a removal left.
        deb-systemd-helper unmask aegisd.service >/dev/null || true
        deb-systemd-helper update-state aegisd.service >/dev/null || true
        if [ -d /run/systemd/system ]; then
            systemctl --system daemon-reload >/dev/null || true
            if [ -e $marker ]; then
                rm -f $marker
                # deb-systemd-invoke starts enabled units only; aegisd was running before the
                # upgrade, enabled or started by hand, and its operator expects it back either
                # way. policy-rc.d (a chroot, an image build) still has the last word.
                policy=0
                if [ -x /usr/sbin/policy-rc.d ]; then /usr/sbin/policy-rc.d aegisd.service start || policy=\$?; fi
                if [ "\$policy" != 101 ]; then
                    echo "Starting aegisd again (it was running before the upgrade)."
                    systemctl start aegisd.service \\
                        || echo "aegisd did not start after the upgrade: see journalctl -u aegisd" >&2
                fi
            fi
        fi
        if [ -z "\${2:-}" ]; then
            echo "aegisd installed. Review /etc/aegis/aegisd.toml (set backup.recipients), then:"
            echo "  systemctl enable --now aegisd"
        fi
        ;;
esac
exit 0
POSTINST

cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi
case "$1" in
    remove)
        # As dh_installsystemd does: a removed (not purged) package's unit must not start.
        if command -v deb-systemd-helper >/dev/null; then deb-systemd-helper mask aegisd.service >/dev/null || true; fi
        echo "aegisd removed. Its databases, backups and secrets stay in /var/lib/aegis."
        ;;
    purge)
        if command -v deb-systemd-helper >/dev/null; then
            deb-systemd-helper purge aegisd.service >/dev/null || true
            deb-systemd-helper unmask aegisd.service >/dev/null || true
        fi
        # The configuration goes (dpkg removes the conffile itself; the directory and what
        # aegisd may have written next to it go here). The data never does: the databases and
        # their backups are the operator's, and only the operator deletes them.
        rm -rf /etc/aegis
        echo "aegisd purged: /etc/aegis removed. The databases, backups and secrets in"
        echo "/var/lib/aegis are kept; delete that directory yourself if you no longer need them."
        ;;
esac
journalctl --update-catalog 2>/dev/null || true
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/prerm" "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
