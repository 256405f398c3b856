#!/usr/bin/env bash
# Starts the local SMTP sink (scripts/smtp_sink.py) in the background unless
# something already listens on the port. Usage: smtp_sink.sh PORT DIR
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:?port}; dir=${2:?mail directory}
bash scripts/pyenv.sh
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "[smtp-sink] already listening on 127.0.0.1:$port"
  exit 0
fi
mkdir -p "$dir"
nohup setsid .venv/bin/python scripts/smtp_sink.py --port "$port" --dir "$dir" \
  >>"$dir/sink.log" 2>&1 </dev/null &
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "[smtp-sink] 127.0.0.1:$port, mail in $dir (log: $dir/sink.log)"
    exit 0
  fi
  sleep 0.2
done
echo "[smtp-sink] did not start; see $dir/sink.log" >&2
exit 1
