# syntax=docker/dockerfile:1
# Switchyard image: one image, three roles. `docker run <image> api|worker|all` (default: api).
# Build: docker build -t switchyard .   See deploy/README.md for compose, scaling and checks.

ARG NODE_IMAGE=node:20-slim

# --- build: dev dependencies, TypeScript -> dist/ (ESM, plain node) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY workers ./workers
COPY shared ./shared
COPY bin ./bin
RUN npm run build

# --- runtime: production dependencies only, non-root ---
# Debian slim, not Alpine: usearch and msgpackr-extract ship glibc prebuilds (usearch needs glibc >= 2.34).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# Batch API files (batches.storage.directory in deploy/switchyard.compose.yaml). A named volume
# mounted here starts with this ownership, so the unprivileged user can write it.
RUN mkdir -p /var/lib/switchyard/files && chown -R node:node /var/lib/switchyard
# The official node images ship an unprivileged `node` user (uid 1000); /app stays read-only to it.
USER node
EXPOSE 8080
# api/all: GET /healthz on $PORT (default 8080); worker: the process is alive (no HTTP server).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "deploy/healthcheck.mjs"]
# Exec form: node is PID 1 (or the child of compose's `init: true`) and receives SIGTERM directly,
# which starts the graceful drain (server.shutdownGraceMs).
ENTRYPOINT ["node", "dist/bin/switchyard.js"]
CMD ["api"]
