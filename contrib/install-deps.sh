#!/bin/sh
# Installs what building, testing and the demo need on Debian 12 (as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkgconf clang llvm libclang-rt-14-dev libbpf-dev bpftool \
	libevent-dev libcap-ng-dev libinih-dev libsystemd-dev libseccomp-dev \
	iproute2 ethtool procps python3 mandoc bash-completion strace util-linux tmux >/dev/null
