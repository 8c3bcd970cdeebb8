#!/usr/bin/env bash
# Every test dependency (`make test-deps`). The one long compile (llama-cpp-python for the self-ask
# server, CPU-bound) runs in the background beside the other set-ups (mostly downloads), so a cold
# machine pays max(compile, downloads) instead of their sum. Prints how long each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
bash .ci/setup_core.sh
echo "setup_core: $((SECONDS - t0)) s"
log=$(mktemp)
(t=$SECONDS; bash .ci/setup_selfask.sh; echo "setup_selfask: $((SECONDS - t)) s (in the background)") >"$log" 2>&1 &
selfask=$!
for script in .ci/setup_*.sh; do
  case "$script" in */setup_core.sh|*/setup_selfask.sh) continue ;; esac
  t=$SECONDS
  bash "$script"
  echo "$(basename "$script" .sh): $((SECONDS - t)) s"
done
status=0
wait "$selfask" || status=$?
cat "$log"
rm -f "$log"
echo "test dependencies ready in $((SECONDS - t0)) s"
exit "$status"
