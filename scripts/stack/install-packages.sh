#!/usr/bin/env bash
# Installs the system packages the real test stack needs. Idempotent: a machine
# that already has them is left alone in well under a second.
#
# Docker 26 + buildx come from Debian trixie because bookworm's docker.io is
# 20.10 without buildx (see ../shared/STACK.md). Only those four packages (and
# the compose plugin) come from trixie; a pin at priority 100 keeps everything
# else, including runc and tini, on bookworm.
set -euo pipefail

TRIXIE_PACKAGES=(docker.io docker-cli containerd docker-buildx docker-compose)
BOOKWORM_PACKAGES=(docker-registry apache2-utils qemu-user-static binfmt-support debootstrap git
  chromium shellcheck ca-certificates iproute2 procps curl busybox-static nginx libnginx-mod-http-js)

need=()
# arm64 busybox for the multi-platform stand-in base image (RUN steps under QEMU).
arm64_ready() { dpkg --print-foreign-architectures | grep -q arm64 && [ -n "$(ls /var/lib/apt/lists/*binary-arm64_Packages* 2>/dev/null)" ]; }
arm64_ready || need+=(arm64-architecture)
for p in "${TRIXIE_PACKAGES[@]}" "${BOOKWORM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# docker.io must be the trixie one (26.x); a bookworm 20.10 install counts as missing.
if dpkg-query -W -f='${Version}' docker.io 2>/dev/null | grep -q '^20\.'; then need+=(docker.io); fi
if [ ${#need[@]} -eq 0 ]; then
  echo "stack: system packages present"
  exit 0
fi
echo "stack: installing ${need[*]}"

if [ "$(id -u)" -ne 0 ]; then
  echo "stack: installing packages needs root (run as root or install: ${need[*]})" >&2
  exit 1
fi

if [ ! -f /etc/apt/sources.list.d/comfyume-trixie.sources ]; then
  cat >/etc/apt/sources.list.d/comfyume-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  cat >/etc/apt/preferences.d/comfyume-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
fi

dpkg --print-foreign-architectures | grep -q arm64 || dpkg --add-architecture arm64
export DEBIAN_FRONTEND=noninteractive
# Packages with a service (nginx: the relay test runs its own on loopback ports) must not
# start a system one on port 80: invoke-rc.d asks policy-rc.d, and 101 means "do not start".
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq -o Acquire::Retries=3
apt-get install -y -qq --no-install-recommends "${BOOKWORM_PACKAGES[@]}" >/dev/null
trixie=()
for p in "${TRIXIE_PACKAGES[@]}"; do trixie+=("$p/trixie"); done
# runc and tini stay on bookworm: trixie's need a newer libc.
apt-get install -y -qq --no-install-recommends "${trixie[@]}" runc/bookworm tini/bookworm >/dev/null
echo "stack: installed; $(/usr/bin/docker --version)"
