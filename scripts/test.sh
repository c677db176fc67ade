#!/usr/bin/env bash
# The one test command (`npm test`): type checks, the circular-import check,
# then every test against the MariaDB/MySQL and Redis at DATABASE_URL/REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

node --version | grep -q '^v24\.' || { echo "npm test must run on Node 24 (got $(node --version)); run it through npm so node_modules/.bin/node is used." >&2; exit 1; }

echo "== type check (server, shared, tests)"
tsc -p tsconfig.json --noEmit
echo "== type check (console)"
vue-tsc -p client/tsconfig.json --noEmit
echo "== circular imports"
npm run --silent circular
echo "== build the console (browser tests use it)"
vite build --logLevel warn
echo "== tests"
exec vitest run "$@"
