#!/usr/bin/env bash
# queue-floor.sh: the most claim+submit pairs a second this PostgreSQL server can carry for the
# least a labeling queue can ask of it (floor-setup.sql, floor-pair.sql), measured with pgbench
# and nothing else: no Gleaner, no JVM, no feeder inserting tasks, no images. `gleaner bench
# queue` measures Gleaner's queue; this says how far any queue could go on the same server, so the
# two figures side by side show what the server's cores allow and what Gleaner's schema costs.
#
# Usage: queue-floor.sh [--clients "2 4 8 16"] [--seconds 20] [--batch 10] [--tasks 2000000]
# Connects as libpq does (PGHOST, PGPORT, PGUSER...; run it as a role that may create databases,
# e.g. `runuser -u postgres -- labeling-queue/bench/queue-floor.sh`), creates the throwaway
# database gleaner_queue_floor and drops it at the end. Each client count gets a freshly loaded
# table, so every run starts from the same queue. CPU figures are the whole machine's (/proc/stat),
# so they mean the server's only when it runs here and nothing else does.
# Last line: RESULT queue-floor pairs_per_s=<best> clients=<its clients> cpu_ms_per_pair=<its CPU a pair>
set -euo pipefail

clients="2 4 8 16" seconds=20 batch=10 tasks=2000000
while (($#)); do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "queue-floor.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for n in $clients "$seconds" "$batch" "$tasks"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "queue-floor.sh: '$n' is not a positive whole number" >&2; exit 2; }
done
command -v pgbench >/dev/null || { echo "queue-floor.sh: pgbench not found (Debian: postgresql-client)" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
db=gleaner_queue_floor
work="$(mktemp -d)"
trap 'rm -rf "$work"; dropdb --if-exists "$db" 2>/dev/null || true' EXIT
# pgbench reads the script as this user; the postgres role may not see the checkout's folder.
cp "$here/floor-setup.sql" "$here/floor-pair.sql" "$work/"
chmod -R a+rX "$work"

dropdb --if-exists "$db" && createdb "$db"
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
q() { psql -X -qtA -d "$db" -c "$1"; }

echo "device:     $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores;" \
     "$(q 'SHOW server_version') at ${PGHOST:-local socket}, fsync $(q 'SHOW fsync')," \
     "synchronous_commit $(q 'SHOW synchronous_commit'), wal_sync_method $(q 'SHOW wal_sync_method')," \
     "shared_buffers $(q 'SHOW shared_buffers')"
echo "conditions: $tasks pending tasks loaded afresh for each client count, $seconds s a run," \
     "claims and submits in batches of $batch (claims commit without waiting for the flush, submits durably)"
printf '\n%8s %12s %10s %12s %16s\n' clients pairs pairs/s "cores busy" "CPU ms a pair"

best_rate=0 best_clients=0 best_cpu=0
hz=$(getconf CLK_TCK)
for c in $clients; do
  psql -X -q -d "$db" -v tasks="$tasks" -f "$work/floor-setup.sql" >/dev/null
  before=$(busy_jiffies)
  pgbench -n -M simple -c "$c" -j "$(( c < $(nproc) ? c : $(nproc) ))" -T "$seconds" -D batch="$batch" \
    -f "$work/floor-pair.sql" "$db" > "$work/pgbench.out" 2>&1 \
    || { cat "$work/pgbench.out" >&2; exit 1; }
  after=$(busy_jiffies)
  pairs=$(q 'SELECT count(*) FROM floor_labels')
  read -r rate cores cpu < <(awk -v p="$pairs" -v s="$seconds" -v j=$((after - before)) -v hz="$hz" \
    'BEGIN {busy = j / hz; printf "%.0f %.2f %.3f\n", p / s, busy / s, p ? 1000 * busy / p : 0}')
  printf '%8d %12d %10d %12s %16s\n' "$c" "$pairs" "$rate" "$cores" "$cpu"
  if ((rate > best_rate)); then best_rate=$rate best_clients=$c best_cpu=$cpu; fi
done
echo
echo "RESULT queue-floor pairs_per_s=$best_rate clients=$best_clients cpu_ms_per_pair=$best_cpu"
