# syntax=docker/dockerfile:1
#
# trailstream container image.
#
#   docker build -t trailstream .
#   docker run --rm -e OPENSEARCH_URL=... -e TRAILSTREAM_QUEUE_URL=... trailstream          # worker
#   docker run --rm -e OPENSEARCH_URL=... trailstream setup
#
# Two stages on the same Node LTS base: `build` installs every dependency,
# compiles TypeScript to dist/ and then drops the dev dependencies; the runtime
# stage receives only dist/, the production node_modules, package.json, the
# index templates (mappings/) and the Dashboards saved objects (dashboards/),
# and runs as the unprivileged `node` user of the base image.
# docker-compose.yml builds this file for its `setup` and `worker` services.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first, so that a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci

# .dockerignore lets in only what the build and the image need (an allow-list).
# mappings/ and dashboards/ are copied into the runtime stage below; mkdir -p
# creates an empty one where the source tree has none yet, so that COPY
# cannot fail.
COPY . .
RUN npm run build \
 && npm prune --omit=dev \
 && mkdir -p mappings dashboards

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
# The public repository URL; override with --build-arg SOURCE_URL=... .
ARG SOURCE_URL=https://github.com/trailstream/trailstream
LABEL org.opencontainers.image.title="trailstream" \
      org.opencontainers.image.description="Stream AWS CloudTrail logs from S3 (notified through SQS) into OpenSearch." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}"

# The metrics server (/metrics, /healthz, /readyz) listens on every interface
# in a container, so Prometheus and the orchestrator can reach it; outside
# one its default is 127.0.0.1. See docs/metrics.md.
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    TRAILSTREAM_METRICS_HOST=0.0.0.0
WORKDIR /app

# Files stay owned by root (read-only for the process); nothing is written
# under /app at run time.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/mappings ./mappings
COPY --from=build /app/dashboards ./dashboards
COPY --from=build /app/rules ./rules
COPY --from=build /app/LICENSE /app/NOTICE ./

# The base image's unprivileged user `node`, by number so that Kubernetes'
# runAsNonRoot can verify it.
USER 1000:1000

# Prometheus metrics and health endpoints of `worker` (TRAILSTREAM_METRICS_PORT).
EXPOSE 9464

# Liveness: GET /healthz on the worker's metrics port with Node's built-in
# fetch (slim images have no curl or wget). Healthy while the process runs and
# the worker has not failed. start-period covers loading the geo-IP databases.
# Other commands (setup, ...) start no server: run them with --no-healthcheck,
# or let them finish within the start period, as one-shots do. With
# TRAILSTREAM_METRICS_PORT=0 there is nothing to ask: use --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TRAILSTREAM_METRICS_PORT||'9464')+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
