# The Outlier engine: `docker build -t outlier-engine .` then `docker run -p 8085:8085 outlier-engine`.
# Used by docker-compose.yml for the engine (and the demo-logs job). The image serves the standalone pages at `/`:
# the Grafana app's build (grafana-plugin/dist) and its host page (grafana-plugin/dist-standalone).

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native module when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY engine/package.json engine/tsconfig.json engine/
COPY grafana-plugin/package.json grafana-plugin/package-lock.json grafana-plugin/
# Lifecycle scripts off (the root `prepare` would build before it is asked to); the native module is built on its own.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm --prefix grafana-plugin ci --no-audit --no-fund
COPY engine/bin engine/bin
COPY engine/src engine/src
COPY grafana-plugin grafana-plugin
# `npm run build`: the engine, then the Grafana app and the standalone host page (which takes its fonts from the
# root's dev dependencies, so the prune comes after).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8085 \
    OUTLIER_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/engine/package.json engine/
COPY --from=build /app/engine/bin engine/bin
COPY --from=build /app/engine/dist engine/dist
COPY --from=build /app/grafana-plugin/dist grafana-plugin/dist
COPY --from=build /app/grafana-plugin/dist-standalone grafana-plugin/dist-standalone
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8085
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8085/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "engine/bin/outlier.js", "serve"]
