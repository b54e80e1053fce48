# PostgreSQL helpers: make sure a server is reachable and the roles exist.
# Source after common.sh.

PGHOST_ADDR="${ELEVATE_PG_HOST:-127.0.0.1}"
PGPORT_NUM="${ELEVATE_PG_PORT:-5432}"

pg_reachable() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" 2>/dev/null; }

# Runs psql as a superuser, whichever way this machine allows.
psql_super() {
  if psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    psql -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres "$@"
  elif [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- psql -p "$PGPORT_NUM" -d postgres "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -u postgres psql -p "$PGPORT_NUM" -d postgres "$@"
  else
    die "cannot connect to PostgreSQL as a superuser to create the elevate roles"
  fi
}

# ensure_postgres: a reachable PostgreSQL on $PGHOST_ADDR:$PGPORT_NUM, installing
# and starting a local one if there is none.
ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 || ensure_apt postgresql-client
  if pg_reachable; then say "PostgreSQL is reachable on $PGHOST_ADDR:$PGPORT_NUM"; return 0; fi
  say "PostgreSQL is not reachable on $PGHOST_ADDR:$PGPORT_NUM: starting a local one"
  if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
    local ver
    ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start || true
  elif [ "$(id -u)" -eq 0 ]; then
    ensure_apt postgresql
    local ver
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    [ -n "$(pg_lsclusters -h 2>/dev/null)" ] || pg_createcluster "$ver" main >/dev/null
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start || true
  else
    # Not root: run a private server with its data under the user's cache.
    ensure_apt postgresql
    local bin data="$ELEVATE_CACHE/pgdata"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [ ! -f "$data/PG_VERSION" ]; then
      say "initialising a private PostgreSQL cluster in $data"
      "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    fi
    "$bin/pg_ctl" -D "$data" -l "$ELEVATE_CACHE/postgres.log" \
      -o "-p $PGPORT_NUM -k $ELEVATE_CACHE -c listen_addresses=$PGHOST_ADDR" start >/dev/null
  fi
  for _ in $(seq 1 30); do pg_reachable && break; sleep 1; done
  pg_reachable || die "PostgreSQL did not start; see its log (pg_lsclusters, or $ELEVATE_CACHE/postgres.log)"
  say "PostgreSQL is up on $PGHOST_ADDR:$PGPORT_NUM"
}

# ensure_db_roles: the elevate_owner/elevate_app roles and the elevate database.
ensure_db_roles() {
  say "ensuring database roles (elevate_owner, elevate_app) and database 'elevate'"
  psql_super -q -X -f "$ROOT/scripts/sql/bootstrap.sql" >/dev/null
}

# ensure_redis: Redis is optional for the product but the tests use the real one.
ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then say "Redis is reachable on 127.0.0.1:6379"; return 0; fi
  command -v redis-server >/dev/null 2>&1 || ensure_apt redis-server redis-tools
  say "starting a local Redis on 127.0.0.1:6379 (no persistence)"
  mkdir -p "$ELEVATE_CACHE/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$ELEVATE_CACHE/redis" --logfile "$ELEVATE_CACHE/redis/redis.log"
  for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli ping >/dev/null 2>&1 || die "Redis did not start; see $ELEVATE_CACHE/redis/redis.log"
}
