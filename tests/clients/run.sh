#!/usr/bin/env bash
# The committed OpenAPI document as an integrator's tools read it (CI runs this):
#  1. `@redocly/cli lint` with the recommended rules (exceptions, with reasons, in redocly.yaml);
#  2. TypeScript types from openapi-typescript, and check.ts compiled against them by tsc;
#  3. a Python client from openapi-python-client (any warning fails: the document must generate
#     whole), installed, and flow.py run with it against a live service on SQLite holding Demo
#     Kommune with the worker's reminders in the outbox.
# Versions are pinned: package.json/package-lock.json (npm) and requirements.txt (PyPI, into a
# venv in the cache folder). Needs node with npm, python3 with venv, curl, and the debug binary
# (built if missing; SYSTEMEJER_BIN names another).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spec="$root/api-spec/openapi.json"
bin="${SYSTEMEJER_BIN:-$root/target/debug/systemejer}"
[ -x "$bin" ] || (cd "$root" && cargo build --locked -q)
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$here" && npm ci --silent --no-audit --no-fund)
echo "clients: redocly lint"
(cd "$here" && npx --no-install redocly lint --config redocly.yaml --format stylish "$spec")

echo "clients: TypeScript types"
mkdir -p "$here/generated"
(cd "$here" && npx --no-install openapi-typescript "$spec" -o generated/api.d.ts >/dev/null 2>&1)
(cd "$here" && npx --no-install tsc --noEmit --strict --target es2022 --module es2022 --moduleResolution bundler check.ts)

echo "clients: Python client"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/systemejer/clients-$(sha256sum "$here/requirements.txt" | cut -c1-12)"
if [ ! -x "$venv/bin/openapi-python-client" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
"$venv/bin/openapi-python-client" generate --path "$spec" --config "$here/python-client.yaml" \
  --output-path "$work/client" >"$work/generate.log" 2>&1 || { cat "$work/generate.log" >&2; exit 1; }
if grep -qi "warning\|error" "$work/generate.log"; then
  echo "clients: openapi-python-client could not use all of the document:" >&2
  cat "$work/generate.log" >&2
  exit 1
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$work/client"

echo "clients: the Python client against a live service"
for v in $(env | grep -o '^SYSTEMEJER_[A-Z_]*'); do unset "$v"; done
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export SYSTEMEJER_DATABASE_URL="sqlite://$work/register.db" SYSTEMEJER_LISTEN="127.0.0.1:$port"
export SYSTEMEJER_PUBLIC_URL="http://127.0.0.1:$port" SYSTEMEJER_OUTBOX_DIR="$work/outbox"
export SYSTEMEJER_WORKER_SCHEDULE="" SYSTEMEJER_BREACH_SCHEDULE="" SYSTEMEJER_RATE_LIMIT_PER_SECOND=0
"$bin" demo --systems 20 >/dev/null 2>"$work/demo.log"
"$bin" worker --once >/dev/null 2>>"$work/worker.log"
"$bin" serve 2>"$work/serve.log" & server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$port" TOKEN="$("$bin" token --email it-admin@demo-kommune.dk --role admin)" \
  "$work/venv/bin/python" "$here/flow.py" || { echo "clients: the flow failed; the service's log:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
