#!/usr/bin/env bash
# Makes the stand-in base images (Docker Hub is unreachable here) and pushes them to
# the mirror registry, where builds name them with --build-context or FROM.
# Made once: the registry keeps them, and the raw material is cached as files in
# the repo's git-ignored .stack/images so a new data root skips debootstrap.
set -euo pipefail
# shellcheck source=scripts/stack/lib.sh
. "$(dirname "$0")/lib.sh"
export DOCKER_HOST=unix://$DOCKER_SOCK
mkdir -p "$IMAGE_CACHE"

has_image() { # repo:tag
  local repo=${1%%:*} tag=${1##*:}
  curl -fs -o /dev/null \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://$MIRROR_ADDR/v2/$repo/manifests/$tag"
}

# stand-in/busybox:1 — linux/amd64 + linux/arm64, from Debian's static busybox. Small
# and fast: most integration tests build on it; the arm64 RUN runs under QEMU.
busybox_image() {
  has_image stand-in/busybox:1 && return 0
  local dir
  dir=$(mktemp -d)
  for arch in amd64 arm64; do
    local deb
    deb=$(ls "$IMAGE_CACHE"/busybox-static_*_"$arch".deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
      # apt warns that _apt cannot write here; the download is fine.
      (cd "$IMAGE_CACHE" && apt-get download -qq "busybox-static:$arch" 2>/dev/null)
      deb=$(ls "$IMAGE_CACHE"/busybox-static_*_"$arch".deb | head -1)
    fi
    dpkg-deb -x "$deb" "$dir/x-$arch"
    cp "$dir/x-$arch/bin/busybox" "$dir/busybox-$arch"
  done
  cat >"$dir/Dockerfile" <<'DF'
FROM scratch
ARG TARGETARCH
COPY busybox-${TARGETARCH} /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin /tmp /etc && /bin/busybox --install -s && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd && echo 'root:x:0:' > /etc/group"]
DF
  /usr/bin/docker buildx build --progress=quiet --platform linux/amd64,linux/arm64 \
    -t "$MIRROR_ADDR/stand-in/busybox:1" --push "$dir" >/dev/null
  rm -rf "$dir"
  echo "stack: made $MIRROR_ADDR/stand-in/busybox:1"
}

# stand-in/python:3.11-bookworm — debootstrap minbase with python3 (Debian bookworm's 3.11):
# what the example ComfyUI-shaped worker builds on.
python_image() {
  has_image stand-in/python:3.11-bookworm && return 0
  local tarball=$IMAGE_CACHE/python-3.11-bookworm.tar
  if [ ! -s "$tarball" ]; then
    local root
    root=$(mktemp -d)
    debootstrap --variant=minbase --include=python3-minimal,python3 bookworm "$root" http://deb.debian.org/debian >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  /usr/bin/docker import "$tarball" "$MIRROR_ADDR/stand-in/python:3.11-bookworm" >/dev/null
  /usr/bin/docker push -q "$MIRROR_ADDR/stand-in/python:3.11-bookworm" >/dev/null
  echo "stack: made $MIRROR_ADDR/stand-in/python:3.11-bookworm"
}

busybox_image
python_image
