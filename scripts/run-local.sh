#!/usr/bin/env bash
# `make run`: a local webhook on loopback, with a freshly generated self-signed certificate and the
# policies in examples/policies/, plus the command to send it a review.
set -euo pipefail
binary=$1 run_dir=$2 listen=$3 metrics=$4
mkdir -p "$run_dir"
if [ ! -s "$run_dir/tls.crt" ]; then
  "$binary" certs self-signed --out-dir "$run_dir" --dns localhost --ip 127.0.0.1 >/dev/null
fi
cat <<MSG
kindlyguard webhook on https://$listen/validate (policies: examples/policies/, cert: $run_dir/tls.crt, CA: $run_dir/ca.crt)
Send it a review from another terminal:
  curl --cacert $run_dir/ca.crt -H 'Content-Type: application/json' \\
       --data @examples/reviews/privileged-pod.json https://$listen/validate
Judge files offline:
  $binary check --policy examples/policies -f examples/pods/
Stop with Ctrl-C.
MSG
exec "$binary" serve --listen "$listen" --metrics-listen "$metrics" \
  --tls-cert-file "$run_dir/tls.crt" --tls-key-file "$run_dir/tls.key" \
  --policy-dir examples/policies --log-format text
