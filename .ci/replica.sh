#!/usr/bin/env bash
# Scale-out services for CI (BEY-11, docs/deployment.md), beside the machine's PostgreSQL on 5432:
#   - a streaming standby of it on 5433 (pg_basebackup -R), read-only, logging any write it is sent;
#   - a PgBouncer in transaction mode in front of the primary on 6432.
# Idempotent: a healthy standby and a running PgBouncer are kept (a paused replay is resumed), and
# .ci/run leaves them running for the next run; a stopped standby is started and catches up; one
# that is gone, belongs to another primary or can no longer catch up is built afresh (a copy of the
# whole cluster: minutes when other databases on it are large).
#   .ci/replica.sh          set up (or check) both
#   .ci/replica.sh stop     stop both (the standby's files stay for a restart)
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
STANDBY_PORT=${STANDBY_PORT:-5433}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6432}
BASE=${ZHTJ_SCALEOUT_DIR:-/var/lib/postgresql/zhtj-ci}
STANDBY=$BASE/standby
PGB_INI=$BASE/pgbouncer.ini
PGB_PID=$BASE/pgbouncer.pid

say() { echo "replica.sh: $*" >&2; }
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
sql() { psql -h 127.0.0.1 -U postgres -p "$1" -d postgres -XAtqc "$2"; }

MAJOR=$(sql "$PRIMARY_PORT" "SELECT current_setting('server_version_num')::int / 10000")
BIN=/usr/lib/postgresql/$MAJOR/bin

standby_ctl() { as_pg "$BIN/pg_ctl" -D "$STANDBY" -l "$BASE/standby-start.log" "$@"; }
standby_running() { [ -f "$STANDBY/postmaster.pid" ] && kill -0 "$(head -1 "$STANDBY/postmaster.pid")" 2>/dev/null; }
# A starting standby first replays the WAL it missed, which may take minutes after a long stop.
wait_accepting() {
  for _ in $(seq 600); do
    pg_isready -h 127.0.0.1 -p "$STANDBY_PORT" -q 2>/dev/null && return 0
    standby_running || return 1
    sleep 1
  done
  return 1
}
start_standby() { standby_ctl -W start >/dev/null && wait_accepting; }

pgbouncer_running() { [ -f "$PGB_PID" ] && kill -0 "$(cat "$PGB_PID")" 2>/dev/null; }

if [ "${1:-}" = stop ]; then
  if standby_running; then standby_ctl -w stop -m fast >/dev/null && say "standby stopped"; fi
  if pgbouncer_running; then kill "$(cat "$PGB_PID")" && say "pgbouncer stopped"; fi
  exit 0
fi

mkdir -p "$BASE"
chown postgres:postgres "$BASE" 2>/dev/null || true

# --- the primary accepts a streaming standby ---------------------------------------------------
# Debian's defaults already have wal_level=replica and 10 WAL senders; a cluster set to minimal
# needs one restart (done once, then never again).
if [ "$(sql "$PRIMARY_PORT" "SHOW wal_level")" = minimal ] || [ "$(sql "$PRIMARY_PORT" "SHOW max_wal_senders")" -lt 4 ]; then
  say "primary: wal_level=replica, max_wal_senders=10 (restart)"
  sql "$PRIMARY_PORT" "ALTER SYSTEM SET wal_level = replica" >/dev/null
  sql "$PRIMARY_PORT" "ALTER SYSTEM SET max_wal_senders = 10" >/dev/null
  pg_ctlcluster --skip-systemctl-redirect "$MAJOR" main restart
fi
# A replication connection from 127.0.0.1: an hba line and a reload (no restart).
if ! psql "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" -XAtqc "IDENTIFY_SYSTEM" >/dev/null 2>&1; then
  HBA=$(sql "$PRIMARY_PORT" "SHOW hba_file")
  say "primary: replication connections from 127.0.0.1 allowed in $HBA (reload)"
  printf '\n# streaming standby of .ci/replica.sh\nhost replication postgres 127.0.0.1/32 trust\n' >>"$HBA"
  sql "$PRIMARY_PORT" "SELECT pg_reload_conf()" >/dev/null
fi

# --- the standby ----------------------------------------------------------------------------------
standby_healthy() {
  standby_running && wait_accepting || return 1
  [ "$(sql "$STANDBY_PORT" "SELECT pg_is_in_recovery()")" = t ] || return 1
  local mine theirs
  mine=$(sql "$STANDBY_PORT" "SELECT system_identifier FROM pg_control_system()")
  theirs=$(sql "$PRIMARY_PORT" "SELECT system_identifier FROM pg_control_system()")
  [ "$mine" = "$theirs" ] || return 1
  # a test stopped half-way may have left replay paused
  sql "$STANDBY_PORT" "SELECT pg_wal_replay_resume()" >/dev/null
  # streaming, and caught up with where the primary is now: wait while replay moves on, give up
  # once it has stood still for 20 s (the WAL it needs is gone)
  local target last="" still=0
  target=$(sql "$PRIMARY_PORT" "SELECT pg_current_wal_lsn()")
  while [ "$still" -lt 40 ]; do
    [ "$(sql "$STANDBY_PORT" "SELECT coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false)
                                     AND pg_last_wal_replay_lsn() >= '$target'::pg_lsn")" = t ] && return 0
    local now
    now=$(sql "$STANDBY_PORT" "SELECT pg_last_wal_replay_lsn()")
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0 last=$now; fi
    sleep 0.5
  done
  return 1
}

standby_conf() {
  # Hot standby needs these at least as high as on the primary.
  local limits=""
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    limits+="$name = $(sql "$PRIMARY_PORT" "SHOW $name")"$'\n'
  done
  # Debian keeps the primary's configuration in /etc: the standby gets its own, in its directory.
  as_pg tee "$STANDBY/postgresql.conf" >/dev/null <<EOF
# written by .ci/replica.sh: a hot standby of the cluster on port $PRIMARY_PORT
port = $STANDBY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
# no feedback: a stopped standby must not hold back VACUUM on the primary's other databases
hot_standby_feedback = off
shared_buffers = 32MB
$limits
# Every data-changing statement it is sent is logged: tests/scaleout checks that there are none.
logging_collector = on
log_directory = 'log'
log_filename = 'standby.log'
log_rotation_age = 0
log_rotation_size = 0
log_statement = 'mod'
log_line_prefix = '%m [%p] db=%d '
EOF
  as_pg tee "$STANDBY/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
}

build_standby() {
  if standby_running; then standby_ctl -w stop -m immediate >/dev/null 2>&1 || true; fi
  rm -rf "$STANDBY"
  say "standby: pg_basebackup of the primary into $STANDBY"
  as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY" -R -X stream -c fast
  standby_conf
  start_standby
}

if [ -f "$STANDBY/standby.signal" ]; then standby_conf; fi  # the configuration of this script's version
if ! standby_healthy; then
  if [ -f "$STANDBY/standby.signal" ] && ! standby_running; then
    say "standby: starting the existing one"
    start_standby || true
  fi
  if ! standby_healthy; then
    build_standby || { say "standby did not start; see $STANDBY/log"; exit 1; }
    standby_healthy || { say "standby did not catch up; see $STANDBY/log"; exit 1; }
  fi
fi
standby_ctl reload >/dev/null
say "standby: streaming on $STANDBY_PORT"

# --- PgBouncer --------------------------------------------------------------------------------------
if ! command -v pgbouncer >/dev/null; then
  say "installing pgbouncer"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
# Transaction pooling with a small pool, so clients really share server connections. Django sends no
# startup `options` in this mode (DATABASE_POOL_MODE=transaction), so JIT is turned off per server
# connection here; a production deployment sets it on the role instead (docs/deployment.md).
as_pg tee "$PGB_INI" >/dev/null <<EOF
; written by .ci/replica.sh
[databases]
* = host=127.0.0.1 port=$PRIMARY_PORT connect_query='SET jit = off'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $BASE/pgbouncer-users.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
default_pool_size = 5
max_client_conn = 200
server_reset_query =
logfile = $BASE/pgbouncer.log
pidfile = $PGB_PID
EOF
echo '"postgres" ""' | as_pg tee "$BASE/pgbouncer-users.txt" >/dev/null
if pgbouncer_running; then
  kill -HUP "$(cat "$PGB_PID")"  # re-read the configuration
else
  say "pgbouncer: starting on $PGBOUNCER_PORT"
  as_pg pgbouncer -d -q "$PGB_INI"
fi
for _ in $(seq 20); do
  psql -h 127.0.0.1 -p "$PGBOUNCER_PORT" -U postgres -d postgres -XAtqc "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done
[ "$(psql -h 127.0.0.1 -p "$PGBOUNCER_PORT" -U postgres -d postgres -XAtqc "SHOW jit")" = off ] ||
  { say "pgbouncer did not answer on $PGBOUNCER_PORT; see $BASE/pgbouncer.log"; exit 1; }
say "pgbouncer: transaction pooling on $PGBOUNCER_PORT"
