#!/usr/bin/env bash
# `make run`: the task queue's worker (`flask tasks worker`) next to gunicorn. Whichever stops
# first, or Ctrl+C, stops both: nothing is left running in the background.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-5000}
export FLASK_APP=${FLASK_APP:-app}

"$BIN/flask" tasks worker &
worker=$!
# gunicorn.conf.py: the access log's format (no query strings: they carry names).
"$BIN/gunicorn" -c gunicorn.conf.py --workers 1 --threads 8 --bind "127.0.0.1:$PORT" \
    --forwarded-allow-ips 127.0.0.1 'app:create_app()' &
server=$!

stop() {
    trap - EXIT INT TERM
    kill -TERM "$worker" "$server" 2>/dev/null || true
    wait "$worker" "$server" 2>/dev/null || true
}
trap stop EXIT INT TERM
wait -n "$worker" "$server" || true  # the first to end ends the other (in stop)
