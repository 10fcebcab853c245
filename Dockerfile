# syntax=docker/dockerfile:1
#
# One image for every role: the web process (the default command), the job
# workers (`src/wiring/worker.ts`) and the migrations (`scripts/migrate.ts`).
#
# The runtime is the Node binary that `npm ci` installs from the lockfile (the
# `node` package in dependencies), so the image runs exactly the Node version
# CI tested. The final stage is distroless: glibc and libstdc++ (which Node,
# sharp and argon2 need) and nothing else — no shell, no package manager, no
# npm. The official node image would ship a second Node binary beside the one
# in node_modules, plus npm.
#
# Build:  docker build -t throughline:0.1.0 .
# Run:    docker run --read-only --tmpfs /tmp -v throughline-data:/data -p 3000:3000 throughline:0.1.0
#
# Pin both bases by digest in the release pipeline (`FROM image:tag@sha256:…`)
# so a rebuild cannot pick up a changed image unnoticed.

# ---- Stage 1: production dependencies and the application tree ----
# Same Node version as the `node` dependency (a test keeps the two in step).
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# The lockfile alone decides this layer, so editing source does not reinstall.
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript, linters or test tools in the image. The cache
# mount keeps npm's download cache out of the layer.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund
COPY migrations ./migrations
COPY scripts/migrate.ts ./scripts/migrate.ts
COPY src ./src
# The volume mount point, owned by the runtime user (distroless has no mkdir).
RUN mkdir -p /data && chown 65532:65532 /data

# ---- Stage 2: the runtime ----
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
# Owned by root and not writable by the service: it cannot modify its own code.
COPY --from=build /app /app
COPY --from=build --chown=65532:65532 /data /data

# Production defaults; the platform overrides any of them (docs/operations.md).
# XDG_CACHE_HOME: the compile cache goes to the writable /tmp, since the root
# filesystem is read-only (a private tmpfs per container, written by this
# user alone).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    XDG_CACHE_HOME=/tmp/cache

# distroless' "nonroot" user (65532), named by number so that runAsNonRoot
# can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 3000

# No curl here: Node asks /livez itself (HTTP; with TLS_ENABLED use the
# orchestrator's own probe instead). A worker serves its /livez on
# WORKER_METRICS_PORT: compose gives it a check on that port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/app/node_modules/node/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node runs as PID 1 and receives SIGTERM itself (never `npm start`, which does
# not pass it on). It handles SIGTERM/SIGINT (an orderly drain, then exit 0)
# and starts no child processes, so no init is needed to forward signals or
# reap zombies; `docker run --init` adds one if that ever changes.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/node_modules/node/bin/node"]
CMD ["src/wiring/main.ts"]
