#!/bin/sh
# build-deb.sh [OUTDIR]: builds the mcrelay Debian package (Debian 12) from
# this tree and puts the .deb in OUTDIR (default: ./dist).
#
# As root it first installs the build dependencies (dpkg-dev, debhelper and
# the Build-Depends of debian/control, through "apt-get build-dep").  The
# package is built with "dpkg-buildpackage -us -uc -b" in a copy of the tree
# in a temporary directory, so the work tree is left as it was.  The copy is
# of the working tree, uncommitted changes included: in a git checkout, the
# files git tracks or would track (.gitignore applies), otherwise everything
# but build directories and configure outputs.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-dist}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends build-essential dpkg-dev debhelper >/dev/null
	apt-get build-dep -y -qq "$top" >/dev/null
else
	echo "build-deb.sh: not root, not installing build dependencies" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mcrelay-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
src=$tmp/mcrelay
mkdir "$src"

# Never copied: earlier package output and the leftovers of a build of the
# package in the tree itself.
skip='^(dist/|debian/mcrelay/|debian/\.debhelper/|debian/files$|debian/.*\.substvars$|debian/debhelper-build-stamp$|debian/.*\.debhelper\.log$|debian/autoreconf\.)'

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Listed but deleted in the work tree (a rename not yet committed): skipped.
	(cd "$top" && git ls-files -z --cached --others --exclude-standard) |
		tr '\0' '\n' | grep -Ev "$skip" |
		while IFS= read -r f; do [ -e "$top/$f" ] && printf '%s\n' "$f"; done |
		(cd "$top" && tar -cf - --no-recursion -T -) | tar -xf - -C "$src"
else
	(cd "$top" && tar -cf - \
		--exclude=./.git --exclude='./build*' --exclude=./dist \
		--exclude=./autom4te.cache --exclude=./aclocal.m4 \
		--exclude=./configure --exclude='./configure~' \
		--exclude=./config.status --exclude=./config.log \
		--exclude=./config.h --exclude='./config.h.in*' --exclude=./stamp-h1 \
		--exclude=./Makefile --exclude=./Makefile.in \
		--exclude='*.o' --exclude='*.a' --exclude=.deps --exclude=.dirstamp \
		--exclude='*.log' --exclude='*.trs' --exclude=./src/mcrelay \
		--exclude=./tests/tools/mcsend --exclude=./tests/tools/mcrecv \
		--exclude='./tests/unit/test_*[!.][!c]' \
		--exclude=./debian/mcrelay --exclude=./debian/.debhelper .) |
		tar -xf - -C "$src"
fi
[ -f "$src/debian/control" ] || { echo "build-deb.sh: no debian/ in $top" >&2; exit 1; }

(cd "$src" && dpkg-buildpackage -us -uc -b)

found=false
for deb in "$tmp"/*.deb; do
	[ -e "$deb" ] || continue
	cp "$deb" "$outdir/"
	echo "build-deb.sh: $outdir/$(basename "$deb")"
	found=true
done
$found || { echo "build-deb.sh: no .deb was built" >&2; exit 1; }
