#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Debian package as an operator gets it: build it from the tree, lint it,
# unpack it into an empty directory and check that it holds exactly what
# `make install` installs (plus Debian's own doc files), that the binaries run
# from there, that the systemd unit verifies without a single complaint, and
# that `make uninstall` removes everything `make install` wrote.  Touches
# nothing outside build/ and a temporary directory.  The last line is
#   pkg: N passed, N failed
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcr-pkgcheck.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); printf '   ok   %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '   FAIL %s\n' "$1"; }
check() # DESCRIPTION COMMAND...
{
	_d=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then ok "$_d"; else bad "$_d"; sed 's/^/        /' "$TMP/out"; fi
}

echo "== building the package"
DEB=$(scripts/build-deb.sh | tail -n 1) || { echo "pkg: 0 passed, 1 failed"; exit 1; }
echo "   $DEB"

echo "== lintian"
lintian --tag-display-limit 0 "$DEB" >"$TMP/lintian" 2>/dev/null
sed 's/^/        /' "$TMP/lintian"
if grep -q '^E:' "$TMP/lintian"; then bad "lintian reports errors"; else ok "lintian: no errors"; fi

echo "== contents against make install"
ROOT=$TMP/root
STAGE=$TMP/stage
mkdir -p "$ROOT" "$STAGE"
dpkg -x "$DEB" "$ROOT"
make --no-print-directory -s install DESTDIR="$STAGE" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system >/dev/null
(cd "$ROOT" && find . -type f | sed 's/\.gz$//' | sort) >"$TMP/deb.list"
# Debian adds its changelog and copyright; man pages come compressed.
(cd "$STAGE" && find . -type f | sort; echo ./usr/share/doc/mcr/changelog;
	echo ./usr/share/doc/mcr/copyright) | sort >"$TMP/install.list"
check "package files = make install files + changelog, copyright" \
	diff -u "$TMP/install.list" "$TMP/deb.list"
for f in usr/sbin/mcrd usr/sbin/mcrctl usr/bin/mcrgen usr/bin/mcrsink \
	lib/systemd/system/mcrd.service usr/lib/sysusers.d/mcr.conf usr/lib/tmpfiles.d/mcr.conf \
	usr/share/man/man8/mcrd.8.gz usr/share/man/man5/mcrd.conf.5.gz; do
	[ -e "$ROOT/$f" ] && ok "holds /$f" || bad "holds /$f"
done
check "mcrd --version runs from the package" "$ROOT/usr/sbin/mcrd" --version
check "mcrctl --help runs from the package" "$ROOT/usr/sbin/mcrctl" --help
check "postinst creates the mcr group (sysusers)" grep -q "systemd-sysusers.*mcr.conf" \
	"$(dpkg-deb -e "$DEB" "$TMP/ctrl" && echo "$TMP/ctrl/postinst")"

echo "== systemd unit"
# verify needs the unit's programs on this root: point it at the unpacked mcrd.
mkdir -p "$TMP/unit"
sed "s|/usr/sbin/mcrd|$ROOT/usr/sbin/mcrd|" "$ROOT/lib/systemd/system/mcrd.service" \
	>"$TMP/unit/mcrd.service"
systemd-analyze verify --man=no "$TMP/unit/mcrd.service" >"$TMP/verify" 2>&1
rc=$?
sed 's/^/        /' "$TMP/verify"
if [ $rc -eq 0 ] && [ ! -s "$TMP/verify" ]; then ok "systemd-analyze verify: clean"
else bad "systemd-analyze verify: clean"; fi
systemd-analyze security --offline=yes "$TMP/unit/mcrd.service" 2>/dev/null |
	grep 'Overall exposure' | sed 's/^/   /'

echo "== make uninstall"
make --no-print-directory -s uninstall DESTDIR="$STAGE" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system >/dev/null 2>&1
left=$(find "$STAGE" -type f | wc -l)
[ "$left" -eq 0 ] && ok "make uninstall removes every file" ||
	{ bad "make uninstall removes every file"; find "$STAGE" -type f; }

echo "pkg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
