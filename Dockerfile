# The relay as a container. Not built in CI here (no Docker engine); the command it runs,
# `node dist/relay/main.js start` (the relay compiled by relay/scripts/build-relay.ts), is the one
# relay/tests/start-compiled.test.ts builds, starts and stops. The console page is built with vite
# (a dev dependency), in a stage of its own.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY vite.config.ts manifest.json tsconfig.json ./
COPY relay/console ./relay/console
COPY shared ./shared
RUN npx vite build --mode console
COPY relay ./relay
RUN npx tsx relay/scripts/build-relay.ts

FROM node:20-bookworm-slim

WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist/console ./dist/console
COPY --from=build /app/dist/relay ./dist/relay

# Run as the image's unprivileged user; data (SQLite, generated token) in a volume it owns.
RUN mkdir -p /data && chown node:node /data
USER node
ENV RELAY_DATA_DIR=/data HOST=0.0.0.0 PORT=8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--enable-source-maps", "dist/relay/main.js", "start"]
