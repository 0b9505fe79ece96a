#!/usr/bin/env bash
# The pages the mails link to, in Debian's headless Chromium, on SQLite (the reminders as .eml
# files) and on PostgreSQL (the reminders over SMTP): Demo Kommune is loaded, the worker sends
# its reminders, and pages.mjs follows them as an owner would. No link token may reach the
# service's log, which logs every request here. `--screenshots` keeps the SQLite run's screenshots
# (360 and 1280 px) in docs/screenshots/.
#
# Needs: chromium (apt-get install chromium), node and npm, PostgreSQL at 127.0.0.1:5432 for the
# second run, and the debug binary (built if missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${SYSTEMEJER_BIN:-$root/target/debug/systemejer}"
[ -x "$bin" ] || (cd "$root" && cargo build --locked -q)
(cd "$here" && npm ci --silent --no-audit --no-fund)
keep_screenshots=no
[ "${1:-}" = "--screenshots" ] && keep_screenshots=yes
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run() {
  local backend="$1" work port smtp_port db="" server sink="" mails
  work="$(mktemp -d)"
  port="$(free_port)"
  # A clean environment for the service: only what this run sets.
  for v in $(env | grep -o '^SYSTEMEJER_[A-Z_]*'); do unset "$v"; done
  export SYSTEMEJER_LISTEN="127.0.0.1:$port" SYSTEMEJER_PUBLIC_URL="http://127.0.0.1:$port"
  export SYSTEMEJER_WORKER_SCHEDULE="" SYSTEMEJER_BREACH_SCHEDULE="" SYSTEMEJER_RATE_LIMIT_PER_SECOND=0
  export SYSTEMEJER_SECURITY_COORDINATOR_EMAIL="isk@demo-kommune.dk" SYSTEMEJER_LOG=debug
  export SYSTEMEJER_OUTBOX_DIR="$work/outbox"
  if [ "$backend" = sqlite ]; then
    export SYSTEMEJER_DATABASE_URL="sqlite://$work/register.db"
    mails="$work/outbox"
  else
    db="systemejer_browser_$$"
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" >/dev/null
    export SYSTEMEJER_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
    export SYSTEMEJER_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    export SYSTEMEJER_LINK_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    smtp_port="$(free_port)"
    node "$here/smtp-sink.mjs" "$smtp_port" "$work/smtp" & sink=$!
    export SYSTEMEJER_SMTP_URL="smtp://127.0.0.1:$smtp_port"
    mails="$work/smtp"
  fi
  "$bin" demo --systems 30 >/dev/null 2>"$work/demo.log"
  "$bin" serve 2>"$work/serve.log" & server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  "$bin" worker --once 2>>"$work/worker.log"
  # Screenshots are always taken; --screenshots keeps the SQLite run's in docs/screenshots/.
  local screenshots="$work/screenshots"
  [ "$backend" = sqlite ] && [ "$keep_screenshots" = yes ] && screenshots="$root/docs/screenshots"
  local status=0
  BASE="http://127.0.0.1:$port" MAIL_DIR="$mails" SYSTEMEJER_BIN="$bin" TOKENS_FILE="$work/tokens" \
    ADMIN_TOKEN="$("$bin" token --email it-admin@demo-kommune.dk --role admin 2>/dev/null)" \
    SCREENSHOTS="$screenshots" node "$here/pages.mjs" || status=$?
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
  [ -n "$sink" ] && { kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null || true; }
  [ -n "$db" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  if [ "$status" -ne 0 ]; then
    echo "browser ($backend): failed; the service's log is $work/serve.log" >&2
    return "$status"
  fi
  # Every request was logged (debug): none of the tokens the browser used may appear.
  grep -qF '/l/-' "$work/serve.log" || { echo "browser ($backend): the link requests were not logged" >&2; return 1; }
  while read -r token; do
    [ -z "$token" ] && continue
    if grep -qF -e "${token##*.}" -e "${token%%.*}" "$work/serve.log"; then
      echo "browser ($backend): a link token is in the service's log ($work/serve.log)" >&2
      return 1
    fi
  done <"$work/tokens"
  echo "browser ($backend): passed; no token in $(wc -l <"$work/serve.log") log lines"
  rm -rf "$work"
}

run sqlite
run postgres
