# syntax=docker/dockerfile:1
#
# One image for every role of the contact center: ROLE=web (HTTP + Socket.IO),
# ROLE=worker (BullMQ jobs) or ROLE=all, and for the one-shot `npm run db:migrate`
# / `npm run db:seed` job. docker-compose.yml shows the multi-node shape.
#
#   docker build -t contact-center .
#   docker run --rm -p 3000:3000 -e DATABASE_URL=mysql://... -e REDIS_URL=redis://... contact-center
#
# Debian slim rather than Alpine: the lockfile's native prebuilt packages
# (@node-rs/argon2, rolldown, esbuild) are all there for glibc, and nothing else differs.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# build: install exactly the lockfile, build the console (vite -> dist/client)
# and the server (tsc -> dist/server, dist/shared, dist/migrations).
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

COPY package.json package-lock.json ./
# --ignore-scripts: the project runs no dependency install scripts (every native
# module it uses ships a prebuilt optional package). It also means the `node`
# devDependency never downloads its own binary, so node_modules/.bin has no `node`
# and every npm script runs on this image's Node 24.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts

COPY . .
RUN npm run build

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# npm's cache and logs in /tmp: writable whatever uid the container runs as.
ENV NODE_ENV=production \
    PORT=3000 \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# node_modules keeps the dev dependencies on purpose: `npm run db:migrate` and
# `npm run db:seed` run the TypeScript CLIs in server/ through tsx, which is a
# devDependency, so the migrate job uses this same image. That is also why
# server/, shared/, migrations/ and tsconfig.json ship next to the compiled dist/.
# The files stay owned by root: the app user can read them but not rewrite them.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/server ./server
COPY --from=build /app/shared ./shared
COPY --from=build /app/migrations ./migrations

# The official image's unprivileged `node` user (uid/gid 1000), numeric so that
# runtimes that enforce "run as non-root" can verify it.
USER 1000:1000

EXPOSE 3000

# No curl in slim: Node's own fetch asks GET /health (200 when MySQL and Redis
# answer, 503 otherwise). A ROLE=worker container has no HTTP server, so for it
# the check only tells that the process is alive (docker-compose.yml disables it).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "if (process.env.ROLE === 'worker') process.exit(0); fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# npm start = node dist/server/main.js (ROLE picks web, worker or both). It
# refuses to start while migrations are pending: run `npm run db:migrate` first
# (docker-compose.yml does, in its one-shot `migrate` service).
CMD ["npm", "start"]
