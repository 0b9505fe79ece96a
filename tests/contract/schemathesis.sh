#!/usr/bin/env bash
# Fuzzes the running service against its own OpenAPI document with schemathesis, once on
# SQLite and once on PostgreSQL, as an admin: every operation, the stateful phase that
# follows the document's links, and SCHEMATHESIS_EXAMPLES (default 70) examples each.
#
# It fails on a server error, a response that breaks the document (status, content type,
# headers, body), an operation that ignores its authentication, and the other checks of
# `--checks all`, except four. `missing_required_header` wants a missing header answered
# with 400, but a missing `If-Match` on a system is answered 428 Precondition Required, the
# status RFC 6585 made for exactly that (and documented on those operations). `ensure_resource_availability` expects every GET under a new
# resource to answer at once, but a system's processing record, contingency plan and DPIA
# decision are 404 until they are put. `positive_data_acceptance` and `negative_data_rejection`:
# they ask that the JSON Schema alone decide what is accepted, and the register's rules go
# further than a schema can say (an id must exist, a date may not be in the future, a CVR
# number has a check digit, a system's owner must be a manager); those answers are
# documented 422s with the field and rule named.
#
# Needs: python3 with venv (schemathesis is installed from PyPI into a cache folder once),
# curl, and for PostgreSQL psql and SYSTEMEJER_TEST_POSTGRES_URL (a server where it may
# create and drop a database). Without that URL only SQLite is fuzzed, unless CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."

version="4.32.5"
examples="${SCHEMATHESIS_EXAMPLES:-70}"
# A fixed seed makes a red run reproducible and keeps CI's verdict about the code, not luck;
# set SCHEMATHESIS_SEED to another number (or `random`) to explore further.
seed="${SCHEMATHESIS_SEED:-20261128}"
if [ "$seed" = "random" ]; then seed="$(python3 -c 'import secrets; print(secrets.randbelow(2**31))')"; fi
# Beside it, a fresh seed each run (SCHEMATHESIS_FRESH_EXAMPLES examples per operation, 30 by
# default; 0 turns it off), printed, so the fuzz keeps finding new cases and a failure can be
# replayed with SCHEMATHESIS_SEED=<it>.
fresh_examples="${SCHEMATHESIS_FRESH_EXAMPLES:-30}"
fresh_seed="$(python3 -c 'import secrets; print(secrets.randbelow(2**31))')"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/systemejer/schemathesis-$version"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

cargo build --locked --quiet -p systemejer
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/systemejer"
work="$(mktemp -d)"
server=""
database=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$database" ]; then psql -q "$SYSTEMEJER_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $database" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# fuzz NAME DATABASE_URL PORT [SEED EXAMPLES]
fuzz() {
  local run_seed="${4:-$seed}" run_examples="${5:-$examples}"
  local name="$1" url="$2" port="$3"
  local secret
  secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export SYSTEMEJER_DATABASE_URL="$url" SYSTEMEJER_LISTEN="127.0.0.1:$port" SYSTEMEJER_JWT_SECRET="$secret" SYSTEMEJER_LINK_SECRET="link-$secret"
  # The fuzzer sends thousands of requests a second; the rate limit is tested elsewhere.
  export SYSTEMEJER_RATE_LIMIT_PER_SECOND=0
  "$bin" serve >"$work/$name-serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null; then
    echo "schemathesis: the service on $name did not start:" >&2
    cat "$work/$name-serve.log" >&2
    return 1
  fi
  local token
  token="$("$bin" token --email fuzz@kommune.dk --role admin --ttl 2h)"
  echo "schemathesis: fuzzing the service on $name ($run_examples examples per operation, seed $run_seed; replay with SCHEMATHESIS_SEED=$run_seed SCHEMATHESIS_EXAMPLES=$run_examples)"
  # One worker: with two, Hypothesis parses lambda sources in two threads at once, which
  # CPython 3.11.7's ast module does not survive ("AST constructor recursion depth mismatch",
  # fixed in later CPython releases), failing operations at random.
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks all --exclude-checks positive_data_acceptance,negative_data_rejection,ensure_resource_availability,missing_required_header \
    --max-examples "$run_examples" --seed "$run_seed" --workers 1 --no-color
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

# SQLite with fewer examples (SCHEMATHESIS_SQLITE_EXAMPLES, 40 by default): the same code on
# the more lenient backend; PostgreSQL (stricter: a NUL byte, a type) gets the full count.
fuzz sqlite "sqlite://$work/fuzz.db" 18091 "$seed" "${SCHEMATHESIS_SQLITE_EXAMPLES:-40}"

if [ -n "${SYSTEMEJER_TEST_POSTGRES_URL:-}" ]; then
  database="systemejer_fuzz_$$"
  psql -q "$SYSTEMEJER_TEST_POSTGRES_URL" -c "CREATE DATABASE $database"
  fuzz postgres "${SYSTEMEJER_TEST_POSTGRES_URL%/*}/$database" 18092
  if [ "$fresh_examples" != 0 ]; then
    # On PostgreSQL, the stricter of the two (a NUL a fixed seed never drew was a 500 there).
    fuzz postgres-fresh-seed "${SYSTEMEJER_TEST_POSTGRES_URL%/*}/$database" 18093 "$fresh_seed" "$fresh_examples"
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "schemathesis: SYSTEMEJER_TEST_POSTGRES_URL is not set; CI must fuzz PostgreSQL too" >&2
  exit 1
else
  echo "schemathesis: SYSTEMEJER_TEST_POSTGRES_URL is not set; PostgreSQL was not fuzzed" >&2
fi
