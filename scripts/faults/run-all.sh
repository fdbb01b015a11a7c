#!/usr/bin/env bash
# Runs every fault script (each starts its own broker) and exits non-zero if any fails.
#   npm run build && bash scripts/faults/run-all.sh 2>&1 | tee faults.txt
set -u
cd "$(dirname "$0")/../.."
status=0
for name in exactly-once at-least-once broker-restart two-bridges; do
  echo "### node scripts/faults/$name.mjs"
  start=$(date +%s)
  node "scripts/faults/$name.mjs" || status=1
  echo "(took $(($(date +%s) - start)) s)"
  echo
done
exit $status
