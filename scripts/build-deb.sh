#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build the Debian package from the files git knows (tracked, or new and not
# ignored) in a copy under build/deb, so that no build product of the
# working tree leaks into it.  Prints the .deb's path last.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=$TOP/build/deb
VERSION=$(dpkg-parsechangelog -S Version)
SRC=$OUT/mcr-$VERSION

rm -rf "$OUT"
mkdir -p "$SRC"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp -P --parents -t "$SRC"
(cd "$SRC" && dpkg-buildpackage -us -uc -b >"$OUT/build.log" 2>&1) || {
	tail -n 40 "$OUT/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole log is $OUT/build.log" >&2
	exit 1
}
ls "$OUT"/mcr_"$VERSION"_*.deb
