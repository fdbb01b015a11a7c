#!/usr/bin/env bash
# Usage: bash scripts/schemathesis.sh [extra schemathesis args...]
#
# Property-based API testing with Schemathesis against openapi/openapi.json: starts
# `node bin/topicstream.js serve` on a free port with a tiny model, runs every check twice (without
# API keys, then with a key file and the key sent), and stops the server. Schemathesis is installed
# into its own venv (.venv-schemathesis, git-ignored; override with SCHEMATHESIS_VENV). Reports go
# to ${SCHEMATHESIS_REPORTS:-test-results/schemathesis}. Exits non-zero when any check fails.
# Needs a build (npm run build) and Python 3.9+.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SCHEMATHESIS_VENV:-.venv-schemathesis}"
reports="${SCHEMATHESIS_REPORTS:-test-results/schemathesis}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
  echo "schemathesis: installing into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet schemathesis
fi
[[ -f dist/api/openapi.js ]] || npm run build >&2

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A tiny model trained with the real engine, so /v1/classify answers.
node --input-type=module -e "
  import { saveModel, trainClassifier } from './dist/engine/index.js'
  const texts = ['the team won the match', 'a late goal won the game', 'the striker scored twice',
    'new phone with a faster processor', 'software update fixes the laptop bug', 'the server crashed after the upgrade']
  const model = trainClassifier({ texts, targets: [0, 0, 0, 1, 1, 1], classes: ['sports', 'tech'] }, {},
    { source: 'inline:schemathesis', fingerprint: 'schemathesis' })
  await saveModel(model, process.argv[1])
" "$work/tiny.tsmodel"

# Starts the server on a free port; sets $base_url.
start_server() {
  node bin/topicstream.js serve --model "tiny=$work/tiny.tsmodel" --port 0 --no-grpc \
    --log-level info --log-format json "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  # The bound address, from the "serving on" log line.
  for _ in $(seq 1 100); do
    base_url="$(grep -o '"rest":"[^"]*"' "$work/server.log" | head -1 | cut -d'"' -f4 || true)"
    if [[ -n "$base_url" ]] && curl -fsS "$base_url/readyz" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "schemathesis: the server did not start:" >&2
  cat "$work/server.log" >&2
  return 1
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run() {
  local name="$1" schema="$2"
  shift 2
  echo "== schemathesis: $name ($base_url)"
  "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$schema" --url "$base_url" --checks all \
    --max-examples "$max_examples" --report junit --report-dir "$reports/$name" "$@"
}

# Without keys the routes are open: the same document without its security requirements.
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs'
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'))
  for (const path of Object.values(document.paths))
    for (const operation of Object.values(path)) {
      delete operation.security
      delete operation.responses?.['401']
    }
  writeFileSync(process.argv[1], JSON.stringify(document))
" "$work/openapi-open.json"

status=0
start_server
run without-keys "$work/openapi-open.json" "$@" || status=1
stop_server

key="schemathesis-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '# schemathesis run\n%s\n' "$key" >"$work/api-keys"
start_server --api-key-file "$work/api-keys"
run with-keys openapi/openapi.json --header "Authorization: Bearer $key" "$@" || status=1
stop_server

exit "$status"
