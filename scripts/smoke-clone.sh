#!/usr/bin/env bash
# The "new admin" smoke test, as issue 16 asks: clone this repository into a temporary folder,
# `npm ci` from the local npm cache (--prefer-offline), start the gateway from ANOTHER working
# folder with a .env there, and read /healthz, /readyz and /metrics. Prints how long each step
# took. Not part of `npm test`: building better-sqlite3 and dist/ takes minutes on a busy machine
# (`npm test` has test/ops/quick-start-clone.test.ts: the same clone with node_modules linked).
#
#   bash scripts/smoke-clone.sh            # clones HEAD of this checkout
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ponte-smoke-XXXXXX")"
port="${SMOKE_PORT:-18080}"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
t() { date +%s; }

start=$(t)
git clone --quiet "$repo" "$work/ponte"
echo "clone: $(( $(t) - start )) s"

s=$(t)
(cd "$work/ponte" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
echo "npm ci (with prepare: dist/ built): $(( $(t) - s )) s"
test -f "$work/ponte/dist/src/main.js"

# Another working folder, with a .env and a config that uses its variables.
mkdir -p "$work/site/etc"
cat > "$work/site/etc/ponte.yaml" <<YAML
server:
  host: 127.0.0.1
  port: \${SMOKE_PORT}
database: { driver: sqlite, path: ../var/ponte.db }
storage: { blobsDir: ../var/blobs }
security:
  secret: "\${PONTE_SECRET}"
YAML
cat > "$work/site/.env" <<ENV
PONTE_CONFIG=etc/ponte.yaml
SMOKE_PORT=$port
PONTE_SECRET=smoke-test-secret-0123456789abcdef
ENV

s=$(t)
(cd "$work/site" && exec node "$work/ponte/dist/src/main.js" serve >"$work/serve.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo "the gateway exited"; exit 1; }
  sleep 0.5
done
echo "start to healthy: $(( $(t) - s )) s"
echo "/healthz: $(curl -fsS "http://127.0.0.1:$port/healthz")"
echo "/readyz:  $(curl -fsS "http://127.0.0.1:$port/readyz")"
metrics="$(curl -fsS "http://127.0.0.1:$port/metrics")"
echo "$metrics" | grep -E '^ponte_(outbox_depth|outbox_oldest_age_seconds) '
echo "$metrics" | grep -q '^# TYPE ponte_messages_in_total counter' || { echo "no ponte_messages_in_total in /metrics"; exit 1; }
test -f "$work/site/var/ponte.db" || { echo "database not under the config's folder"; exit 1; }
echo "database at site/var/ponte.db, mode $(stat -c %a "$work/site/var/ponte.db")"
echo "smoke test passed in $(( $(t) - start )) s"
