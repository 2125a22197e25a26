#!/bin/sh
# Run a command of the LMS as its service user, with the settings of its environment file, from the
# checkout: `scripts/as-service-user.sh flask --app app db upgrade` (as root; no sudo needed).
# Files the command creates (signing keys, the SQLite database and task queue, job results) then
# belong to the user the services run as, never to root (a root-owned 0600 key answers 500).
# LMS_USER (default lms) and LMS_ENV (default /etc/lms.env) change the defaults.
set -eu
cd "$(dirname "$0")/.."
exec runuser -u "${LMS_USER:-lms}" -- sh -c \
    'set -a; . "$0"; set +a; command=$1; shift; exec ".venv/bin/$command" "$@"' \
    "${LMS_ENV:-/etc/lms.env}" "$@"
