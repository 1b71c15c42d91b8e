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
    deb=$(find "$IMAGE_CACHE" -maxdepth 1 -name "busybox-static_*_$arch.deb" | head -1)
    if [ -z "$deb" ]; then
      # apt warns that _apt cannot write here; the download is fine.
      (cd "$IMAGE_CACHE" && apt-get download -qq "busybox-static:$arch" 2>/dev/null)
      deb=$(find "$IMAGE_CACHE" -maxdepth 1 -name "busybox-static_*_$arch.deb" | head -1)
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

# --- Stand-ins for the bases of Dockerfile.builder and Dockerfile.worker -------------
# Those Dockerfiles name the real images (node:22-bookworm-slim, docker:26.1.5-cli,
# docker/buildx-bin:0.13.1, nvidia/cuda:12.4.0-runtime-ubuntu22.04); tests swap these in
# with --build-context NAME=docker-image://MIRROR/stand-in/..., so the Dockerfiles are
# built exactly as committed.

# stand-in/node:22-bookworm-slim — a bookworm minbase rootfs plus this machine's node
# binary and npm laid out like the official image (/usr/local, user node uid 1000).
# The node here is whatever the machine has (20 on these machines): the Dockerfile
# only needs node and npm, and the size is representative of the real slim base.
node_image() {
  has_image stand-in/node:22-bookworm-slim && return 0
  local tarball=$IMAGE_CACHE/bookworm-minbase.tar dir
  if [ ! -s "$tarball" ]; then
    local root
    root=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  /usr/bin/docker import "$tarball" "$MIRROR_ADDR/stand-in/bookworm-minbase:12" >/dev/null
  /usr/bin/docker push -q "$MIRROR_ADDR/stand-in/bookworm-minbase:12" >/dev/null
  dir=$(mktemp -d)
  local node_bin npm_dir
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp "$node_bin" "$dir/node"
  cp -a "$npm_dir" "$dir/npm"
  cat >"$dir/Dockerfile" <<DF
FROM $MIRROR_ADDR/stand-in/bookworm-minbase:12
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=stand-in
CMD ["node"]
DF
  /usr/bin/docker buildx build --progress=quiet -t "$MIRROR_ADDR/stand-in/node:22-bookworm-slim" --push "$dir" >/dev/null
  rm -rf "$dir"
  echo "stack: made $MIRROR_ADDR/stand-in/node:22-bookworm-slim"
}

# stand-in/docker-cli:26.1.5 and stand-in/buildx-bin:0.13.1 — the files Dockerfile.builder
# copies out of docker:26.1.5-cli (/usr/local/bin/docker) and docker/buildx-bin:0.13.1
# (/buildx), taken from this machine's Docker 26.1.5 and buildx 0.13.1 (Debian trixie).
docker_cli_images() {
  has_image stand-in/docker-cli:26.1.5 && has_image stand-in/buildx-bin:0.13.1 && return 0
  local dir
  dir=$(mktemp -d)
  cp /usr/bin/docker "$dir/docker"
  cp /usr/libexec/docker/cli-plugins/docker-buildx "$dir/buildx"
  printf 'FROM scratch\nCOPY docker /usr/local/bin/docker\n' >"$dir/Dockerfile.cli"
  printf 'FROM scratch\nCOPY buildx /buildx\n' >"$dir/Dockerfile.buildx"
  /usr/bin/docker buildx build --progress=quiet -f "$dir/Dockerfile.cli" \
    -t "$MIRROR_ADDR/stand-in/docker-cli:26.1.5" --push "$dir" >/dev/null
  /usr/bin/docker buildx build --progress=quiet -f "$dir/Dockerfile.buildx" \
    -t "$MIRROR_ADDR/stand-in/buildx-bin:0.13.1" --push "$dir" >/dev/null
  rm -rf "$dir"
  echo "stack: made $MIRROR_ADDR/stand-in/docker-cli:26.1.5 and buildx-bin:0.13.1"
}

# stand-in/cuda:<version> — for nvidia/cuda:<version>-runtime-ubuntu22.04: the python
# stand-in (Debian, reusing its rootfs, no second debootstrap) with the CUDA image's env. It
# has no GPU libraries and no nvidia-smi, which is what a CPU-only machine looks like anyway.
cuda_image() { # tag full-version
  has_image "stand-in/cuda:$1" && return 0
  local dir
  dir=$(mktemp -d)
  cat >"$dir/Dockerfile" <<DF
FROM $MIRROR_ADDR/stand-in/python:3.11-bookworm
ENV CUDA_VERSION=$2 NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility \\
    PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DF
  /usr/bin/docker buildx build --progress=quiet -t "$MIRROR_ADDR/stand-in/cuda:$1" --push "$dir" >/dev/null
  rm -rf "$dir"
  echo "stack: made $MIRROR_ADDR/stand-in/cuda:$1"
}

node_image
docker_cli_images
cuda_image 12.4 12.4.0
cuda_image 12.8 12.8.1
