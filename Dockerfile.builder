# ghcr.io/ahelme/comfyume-builder — the CPU-only build service (SPEC §1, §7).
#
#   docker buildx build -f Dockerfile.builder -t ghcr.io/ahelme/comfyume-builder:<tag> .
#
# No `# syntax=` line on purpose: that would pull docker/dockerfile from Docker Hub at
# build time; the frontend built into BuildKit >= 0.13 has everything used here.
# Every base is named literally so a build can swap it with a named context
# (--build-context node:22-bookworm-slim=docker-image://...) without editing this file.

# The docker CLI and the buildx plugin come from Docker's own images, at pinned
# versions, instead of Debian's (20.10, no buildx on bookworm).
FROM docker:26.1.5-cli AS docker-cli
FROM docker/buildx-bin:0.13.1 AS buildx

# An npm cache to install from (`--build-context npm-cache=$(npm config get cache)/_cacache`):
# a machine that already ran `npm ci` for this lockfile builds the image without the
# network. Empty unless given; npm then fills the build's own cache mount as before.
FROM scratch AS npm-cache

# Production dependencies only; the compiled output is copied next to them.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The optional `npm_ca` build secret (--secret id=npm_ca,src=FILE) adds a CA bundle for
# builds behind a TLS-intercepting proxy or a private registry; without it nothing changes.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    --mount=type=bind,from=npm-cache,target=/npm-seed/_cacache,rw \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && cache=/root/.npm && if [ -n "$(ls -A /npm-seed/_cacache)" ]; then cache=/npm-seed; fi \
 && npm ci --cache "$cache" --prefer-offline --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    --mount=type=bind,from=npm-cache,target=/npm-seed/_cacache,rw \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && cache=/root/.npm && if [ -n "$(ls -A /npm-seed/_cacache)" ]; then cache=/npm-seed; fi \
 && npm ci --cache "$cache" --prefer-offline --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY builder/src ./builder/src
COPY trigger/src ./trigger/src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
# Pinned at the upstream version; the Debian revision floats so security updates
# (which replace the old .deb in the archive) do not break the build.
ARG GIT_VERSION=1:2.39.*
ARG TINI_VERSION=0.19.*
# Smoke tests run their scripts under this static busybox, bind-mounted into the image
# under test, so images without a shell or coreutils are tested too.
ARG BUSYBOX_VERSION=1:1.35.*
# No docs, man pages or translations from these packages, and no apt caches (~90 MB of
# pkgcache.bin): the image stays small enough to pull quickly on a cold serverless start.
RUN printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/locale/*\n' \
      >/etc/dpkg/dpkg.cfg.d/comfyume-slim \
 && apt-get update \
 && apt-get install -y --no-install-recommends "git=${GIT_VERSION}" "tini=${TINI_VERSION}" \
      "busybox-static=${BUSYBOX_VERSION}" ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=buildx /buildx /usr/local/libexec/docker/cli-plugins/docker-buildx

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY examples ./examples
COPY smoke ./smoke
COPY deploy/builder.config.json ./deploy/builder.config.json
COPY --chmod=0755 deploy/builder-entrypoint.sh /usr/local/bin/comfyume-builder-entrypoint
RUN printf '#!/bin/sh\nexec node /app/dist/builder/src/main.js "$@"\n' >/usr/local/bin/comfyume-builder \
 && printf '#!/bin/sh\nexec node /app/dist/trigger/src/main.js "$@"\n' >/usr/local/bin/comfyume-build \
 && chmod 0755 /usr/local/bin/comfyume-builder /usr/local/bin/comfyume-build \
 && ln -s ../smoke /app/deploy/smoke \
 && install -d -o node -g node /var/lib/comfyume-builder /var/lib/comfyume-builder/data /var/lib/comfyume-builder/cache

# Non-root (the base image's `node`, uid 1000). With the host's Docker socket mounted,
# give the container the socket's group (`--group-add $(stat -c %g /var/run/docker.sock)`);
# remote and docker-container BuildKit need no extra rights. See docs/deploy.md.
USER node
# buildx keeps builder instances under BUILDX_CONFIG; pinning it outside DOCKER_CONFIG
# keeps the remote/docker-container builder visible while each build uses its own
# throwaway DOCKER_CONFIG for registry credentials.
ENV NODE_ENV=production \
    BUILDX_CONFIG=/home/node/.buildx \
    BUILDER_DATA_DIR=/var/lib/comfyume-builder/data \
    BUILDER_CACHE_DIR=/var/lib/comfyume-builder/cache \
    BUILDER_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.BUILDER_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1 so SIGTERM reaches the server (which drains) and zombies of
# docker/git children are reaped.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/comfyume-builder-entrypoint"]
CMD ["comfyume-builder", "serve"]
