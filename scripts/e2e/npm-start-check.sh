#!/usr/bin/env bash
# End-to-end check of `npm start`: runs it as a user would (its own process group, as in a
# terminal), on free ports with a fresh broker directory, waits until records travel
# producer → Kafka → bridge → output topic → dashboard, then sends SIGINT (Ctrl-C) and asserts
# that every process it started is gone.
#
#   scripts/e2e/npm-start-check.sh                 cold start: the default model is trained first
#   scripts/e2e/npm-start-check.sh --warm          reuse a model trained by an earlier cold run
#   scripts/e2e/npm-start-check.sh --warm --screenshot docs/dashboard.png
#                                                  also photograph the dashboard (Chromium)
#
# Needs TOPICSTREAM_20NEWS (falls back to ../shared/data/20news-bydate.tar.gz), Java 17 and a
# built dist/ (npm run build). The broker jars are taken from the usual cache (downloaded once).
set -euo pipefail
cd "$(dirname "$0")/../.."

LIMIT_SECONDS=60
export TOPICSTREAM_20NEWS="${TOPICSTREAM_20NEWS:-$(cd .. && pwd)/shared/data/20news-bydate.tar.gz}"
WORK="${TMPDIR:-/tmp}/topicstream-npm-start-check"
mkdir -p "$WORK"
WARM=""
SCREENSHOT=""
while (($# > 0)); do
  case "$1" in
    --warm) WARM=1 ;;
    --screenshot) SCREENSHOT="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$WARM" ]]; then rm -f "$WORK/model.tsmodel"; fi
rm -rf "$WORK/kafka" "$WORK/up.log"

free_ports() {
  # Ports whose next port is free too (the broker's controller takes client port + 1).
  node --input-type=module -e '
    import { createServer } from "node:net"
    const listen = (port) => new Promise((resolve) => {
      const server = createServer().once("error", () => resolve(0))
      server.listen(port, "127.0.0.1", () => { const p = server.address().port; server.close(() => resolve(p)) })
    })
    const ports = []
    while (ports.length < 3) { const p = await listen(0); if (p && p < 65535 && (await listen(p + 1))) ports.push(p) }
    console.log(ports.join(" "))'
}
read -r PORT GRPC_PORT BROKER_PORT <<<"$(free_ports)"

export TOPICSTREAM_PORT=$PORT TOPICSTREAM_GRPC_PORT=$GRPC_PORT TOPICSTREAM_BROKER_PORT=$BROKER_PORT
export TOPICSTREAM_BROKER_DIR="$WORK/kafka" TOPICSTREAM_MODEL="$WORK/model.tsmodel"
unset KAFKA_BROKERS TWITTER_BEARER_TOKEN
BASE="http://127.0.0.1:$PORT"

echo "== npm start (REST $PORT, gRPC $GRPC_PORT, broker $BROKER_PORT, model $([[ -f $TOPICSTREAM_MODEL ]] && echo cached || echo 'to be trained'))"
START=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $START" | bc)"; }
# setsid: a process group of its own, so SIGINT reaches npm, node and nothing else, as Ctrl-C would.
setsid npm start >"$WORK/up.log" 2>&1 &
LEADER=$!
PGID=$(ps -o pgid= -p "$LEADER" | tr -d ' ')

fail() {
  echo "FAIL: $*"
  echo "--- last lines of the npm start output"
  tail -n 40 "$WORK/up.log"
  kill -INT -- "-$PGID" 2>/dev/null || true
  sleep 15
  kill -KILL -- "-$PGID" 2>/dev/null || true
  exit 1
}

UP_AT=""
RECORDS=0
while :; do
  now=$(elapsed)
  if [[ -z "$UP_AT" ]] && grep -q "topicstream is up" "$WORK/up.log"; then UP_AT=$now; fi
  if [[ -n "$UP_AT" ]]; then
    RECORDS=$(curl -fsS "$BASE/dashboard/snapshot" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).totals.records)}catch{console.log(0)}})')
    if ((RECORDS > 0)); then break; fi
  fi
  if ! kill -0 "$LEADER" 2>/dev/null; then fail "npm start exited early"; fi
  if (($(echo "$now > $LIMIT_SECONDS" | bc))); then fail "no classified record within $LIMIT_SECONDS s"; fi
  sleep 0.5
done
FIRST_AT=$(elapsed)
echo "pipeline up after ${UP_AT} s; first classified record on the output topic after ${FIRST_AT} s (limit ${LIMIT_SECONDS} s)"
grep -E "model trained in|test accuracy" "$WORK/up.log" | sed 's/^/  /' || true

sleep 5
SNAPSHOT=$(curl -fsS "$BASE/dashboard/snapshot")
echo "$SNAPSHOT" | node -e '
  let s = ""
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const x = JSON.parse(s)
    const f = (v, d = 1) => (v == null ? "n/a" : Number(v).toFixed(d))
    console.log(`after 5 s more: ${x.totals.records} records classified, ${f(x.throughput)} rec/s, live accuracy ${f(x.accuracy.overall, 3)} on ${x.totals.labelled} labelled`)
    console.log(`  classification p50 ${f(x.classifyLatencyMs?.p50, 3)} ms p99 ${f(x.classifyLatencyMs?.p99, 3)} ms; end-to-end p50 ${f(x.endToEndLatencyMs?.p50, 0)} ms p99 ${f(x.endToEndLatencyMs?.p99, 0)} ms`)
    console.log(`  consumer lag ${x.consumerLag}, dead letters ${x.dlqCount}, Kafka ${x.kafka}, model ${x.model?.name} ${x.model?.version}`)
    if (x.kafka !== "up" || x.totals.records === 0) process.exit(1)
  })' || fail "unexpected dashboard snapshot: $SNAPSHOT"

# Bodies are read whole before grep looks at them (grep -q would close the pipe early).
PAGE=$(curl -fsS "$BASE/")
grep -q '<title>topicstream</title>' <<<"$PAGE" || fail "no dashboard page at $BASE/"
METRICS=$(curl -fsS "$BASE/metrics")
grep -E '^topicstream_bridge_results_produced_total' <<<"$METRICS" | sed 's/^/  metrics: /' || fail "no bridge metrics"
ANSWER=$(curl -fsS -X POST "$BASE/v1/classify" -H 'content-type: application/json' \
  -d '{"text":"The shuttle reached orbit and docked with the space station","top_k":3}')
grep -q '"label":"sci.space"' <<<"$ANSWER" || fail "POST /v1/classify answered $ANSWER"
echo "REST classify and dashboard page answer"

if [[ -n "$SCREENSHOT" ]]; then
  node scripts/e2e/screenshot.mjs "$BASE/" "$SCREENSHOT" || fail "no screenshot"
fi

PIDS=$(ps -o pid= -g "$PGID" | tr -d ' ' | paste -sd, -)
BROKER_PID=$(cat "$TOPICSTREAM_BROKER_DIR/broker.pid" 2>/dev/null || true)
echo "processes before Ctrl-C: group $PGID [$PIDS], broker JVM ${BROKER_PID:-none}"
ps -o pid,pgid,cmd -p "$PIDS${BROKER_PID:+,$BROKER_PID}" | cut -c1-150

echo "== SIGINT (Ctrl-C) to the process group"
STOP_START=$(date +%s.%N)
kill -INT -- "-$PGID"
for _ in $(seq 1 120); do
  kill -0 "$LEADER" 2>/dev/null || break
  sleep 0.5
done
kill -0 "$LEADER" 2>/dev/null && fail "npm start still runs 60 s after SIGINT"
wait "$LEADER" && CODE=0 || CODE=$?
printf 'npm start exited with %s after %.1f s\n' "$CODE" "$(echo "$(date +%s.%N) - $STOP_START" | bc)"
grep -E "stopping|stopped|SIGINT" "$WORK/up.log" | sed 's/^/  /'

# A process that has exited but is not reaped yet (state Z) is gone; give init a moment to reap it.
alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null || true); [[ -n "$state" && "$state" != Z* ]]; }
LEFT=""
for _ in $(seq 1 10); do
  LEFT=$(ps -o pid=,stat=,cmd= -g "$PGID" | awk '$2 !~ /^Z/' || true)
  if [[ -n "$BROKER_PID" ]] && alive "$BROKER_PID"; then LEFT="$LEFT broker JVM $BROKER_PID"; fi
  LEFT+=$(pgrep -af "$TOPICSTREAM_BROKER_DIR" || true)
  [[ -z "${LEFT// /}" ]] && break
  sleep 0.5
done
if [[ -n "${LEFT// /}" ]]; then
  echo "FAIL: processes left running: $LEFT"
  exit 1
fi
if [[ $CODE -ne 0 && $CODE -ne 130 ]]; then
  echo "FAIL: exit code $CODE"
  exit 1
fi
echo "no process left (checked the process group $PGID, the broker pid and the broker directory)"
echo "PASS"
