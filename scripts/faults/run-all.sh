#!/usr/bin/env bash
# Runs every fault script (each starts its own broker) on each Kafka client, and exits non-zero if
# any fails.
#   npm run build && bash scripts/faults/run-all.sh 2>&1 | tee faults.txt
#   TOPICSTREAM_FAULT_CLIENTS=platformatic bash scripts/faults/run-all.sh    # one client only
set -u
cd "$(dirname "$0")/../.."
status=0
for client in ${TOPICSTREAM_FAULT_CLIENTS:-kafkajs platformatic}; do
  for name in exactly-once at-least-once broker-restart two-bridges; do
    echo "### TOPICSTREAM_KAFKA_CLIENT=$client node scripts/faults/$name.mjs"
    start=$(date +%s)
    TOPICSTREAM_KAFKA_CLIENT=$client node "scripts/faults/$name.mjs" || status=1
    echo "(took $(($(date +%s) - start)) s)"
    echo
  done
done
exit $status
