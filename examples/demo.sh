#!/usr/bin/env bash
# `make demo`: the main job on the bundled agreement and example CRM exports, on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
SLACTL=".venv/bin/slactl"
export SLACTL_DB="demo.db" SLACTL_AGREEMENTS="agreements"
rm -f demo.db demo.db-wal demo.db-shm

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

step $SLACTL agreement check
step $SLACTL agreement show --on 2024-05-01
step $SLACTL deadline 2024-05-03T16:30 "4 business hours"
step $SLACTL deadline 2024-05-24T15:00 "1 business day"
step $SLACTL import examples/leads.csv
step $SLACTL import examples/activities.csv
step $SLACTL report --month 2024-05 --as-of 2024-06-03T09:00
step $SLACTL status --rep alice --as-of 2024-05-15T12:00
step $SLACTL leaderboard --month 2024-05 --as-of 2024-06-03T09:00
