# The relay as a container image: `node dist/relay/main.js start` as the unprivileged user `node`,
# its data (SQLite, the pop-up token, the extension's signing key) in the volume /data. Three
# stages: the build (the extension, the console and the compiled relay, with the development
# tools), the production install (better-sqlite3 may compile there), and the image itself, which
# holds neither compilers nor sources. No engine is needed to test it: relay/tests/docker-image.test.ts
# replays this file stage by stage (npm run test:image, on every CI run).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json vite.config.ts manifest.json ./
COPY public ./public
COPY shared ./shared
COPY extension ./extension
COPY relay ./relay
RUN npx vite build && npx vite build --mode console && npx tsx relay/scripts/build-relay.ts

FROM node:20-bookworm-slim AS modules
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
# package.json: the relay finds its own folder by it, and it says the code is ES modules.
COPY package.json ./
COPY --from=modules /app/node_modules ./node_modules
COPY --from=build /app/dist/relay ./dist/relay
COPY --from=build /app/dist/console ./dist/console
COPY --from=build /app/dist/extension ./dist/extension
RUN mkdir -p /data && chown node:node /data
USER node
ENV RELAY_DATA_DIR=/data HOST=0.0.0.0 PORT=8080 NODE_ENV=production
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--enable-source-maps", "dist/relay/main.js", "start"]
