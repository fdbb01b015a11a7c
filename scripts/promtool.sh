#!/usr/bin/env bash
# Usage: bash scripts/promtool.sh
# Checks the Prometheus alert rules in deploy/prometheus and runs their unit tests with promtool.
#
# promtool is, in order: $PROMTOOL; promtool on PATH; one kept in a cache folder; else it is put
# there, from Debian's `prometheus` package (promtool 2.42, ~20 s: the package is downloaded with
# apt-get and only promtool is unpacked, so no Prometheus server is installed or started), or, with
# PROMTOOL_SOURCE=go, built from the Go module proxy (promtool 3.x, ~20 min and ~3.6 GB of module
# and build caches on a new machine). Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

prometheus_go_version="v0.316.0" # the Go module version of Prometheus 3.16.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/topicstream/promtool"

install_from_debian() {
  local work
  work="$(mktemp -d)"
  # apt-get downloads as its own user, _apt, when that user may write the folder.
  if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
  trap 'rm -rf "$work"' RETURN
  echo "promtool: downloading Debian's prometheus package" >&2
  if ! (cd "$work" && apt-get download prometheus >&2); then
    apt-get update -qq >&2
    (cd "$work" && apt-get download prometheus >&2)
  fi
  mkdir -p "$cache/debian"
  dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool
  mv "$work/usr/bin/promtool" "$cache/debian/promtool"
}

install_from_go() {
  echo "promtool: building Prometheus $prometheus_go_version's promtool from the Go module proxy" >&2
  mkdir -p "$cache/go"
  GOBIN="$cache/go" go install "github.com/prometheus/prometheus/cmd/promtool@$prometheus_go_version" >&2
}

promtool="${PROMTOOL:-}"
if [[ -z "$promtool" ]]; then
  if [[ "${PROMTOOL_SOURCE:-debian}" == go ]]; then
    promtool="$cache/go/promtool"
    [[ -x "$promtool" ]] || install_from_go
  elif command -v promtool >/dev/null 2>&1; then
    promtool="$(command -v promtool)"
  else
    promtool="$cache/debian/promtool"
    [[ -x "$promtool" ]] || install_from_debian
  fi
fi

"$promtool" --version 2>&1 | head -n 1 >&2
"$promtool" check rules deploy/prometheus/topicstream-alerts.yml
"$promtool" test rules deploy/prometheus/topicstream-alerts.test.yml
