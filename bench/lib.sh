# Shared by the bench scripts (sourced, not run): which binary to measure, and the venv with
# the SMTP sink's aiosmtpd.

# Prints the systemejer binary to measure: $BENCH_BIN if set, else this tree built in profile
# $1 (release or debug).
bench_binary() {
  if [ -n "${BENCH_BIN:-}" ]; then
    realpath "$BENCH_BIN"
    return
  fi
  if [ "$1" = release ]; then
    cargo build --release --locked -q -p systemejer >&2 || return 1
  else
    cargo build --locked -q -p systemejer >&2 || return 1
  fi
  local target
  target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')" || return 1
  echo "$target/$1/systemejer"
}

# Prints the path of a venv with aiosmtpd, made on first use in the cache folder.
aiosmtpd_venv() {
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/systemejer/bench-aiosmtpd-1.4.6"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/pip" install -q "aiosmtpd==1.4.6" >&2 || return 1
  fi
  echo "$venv"
}
