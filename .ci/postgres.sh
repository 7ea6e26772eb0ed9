#!/usr/bin/env bash
# A local PostgreSQL + PostGIS server for the test suite and CI, from Debian's packages.
#
# Installs postgresql-15 and postgresql-15-postgis-3 when missing, creates (if needed) and
# starts the Debian cluster 15/main on 127.0.0.1:5432, creates the role `ceasefire` and the
# database `ceasefire_test` with PostGIS enabled, and prints the URL on stdout (everything
# else goes to stderr), for example:
#
#   export CEASEFIRE_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"
#
# Idempotent: a second run finds everything in place and only checks it (about a second).
# PostGIS is created here by the superuser because CREATE EXTENSION postgis needs one; the
# ceasefire migrations then find it present (CREATE EXTENSION IF NOT EXISTS).
set -euo pipefail

PGVER="${CEASEFIRE_PG_VERSION:-15}"
CLUSTER="${CEASEFIRE_PG_CLUSTER:-main}"
PORT="${CEASEFIRE_PG_PORT:-5432}"
ROLE="${CEASEFIRE_PG_ROLE:-ceasefire}"
PASSWORD="${CEASEFIRE_PG_PASSWORD:-ceasefire}"
DB="${CEASEFIRE_PG_DB:-ceasefire_test}"
BIN="/usr/lib/postgresql/${PGVER}/bin"

log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
  as_postgres() { runuser -u postgres -- "$@"; }
else
  as_root() { sudo "$@"; }
  as_postgres() { sudo -u postgres "$@"; }
fi

# -- packages ------------------------------------------------------------------------------
if [ ! -x "${BIN}/postgres" ] \
   || [ ! -f "/usr/share/postgresql/${PGVER}/extension/postgis.control" ]; then
  log "installing postgresql-${PGVER} and postgresql-${PGVER}-postgis-3 from Debian"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2
  as_root apt-get install -y -qq --no-install-recommends \
    "postgresql-${PGVER}" "postgresql-${PGVER}-postgis-3" postgresql-client-common >&2
fi

# -- cluster -------------------------------------------------------------------------------
if ! pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1==v && $2==c {f=1} END {exit !f}'; then
  log "creating cluster ${PGVER}/${CLUSTER} on port ${PORT}"
  as_root pg_createcluster --port "$PORT" --locale C.UTF-8 "$PGVER" "$CLUSTER" >&2
fi
cluster_port="$(pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1==v && $2==c {print $3}')"
if [ "$cluster_port" != "$PORT" ]; then
  log "cluster ${PGVER}/${CLUSTER} uses port ${cluster_port}, not ${PORT}: using ${cluster_port}"
  PORT="$cluster_port"
fi
if ! pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1==v && $2==c && $4=="online" {f=1} END {exit !f}'; then
  log "starting cluster ${PGVER}/${CLUSTER}"
  as_root pg_ctlcluster "$PGVER" "$CLUSTER" start >&2
fi
for _ in $(seq 1 60); do
  "${BIN}/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
"${BIN}/pg_isready" -h 127.0.0.1 -p "$PORT" >&2

# -- role, database, PostGIS ---------------------------------------------------------------
psql_su() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@" >&2; }

psql_su -d postgres -v role="$ROLE" -v pw="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'pw') \gexec
SQL
if ! as_postgres psql -X -At -p "$PORT" -d postgres \
     -c "SELECT 1 FROM pg_database WHERE datname = '${DB}'" | grep -q 1; then
  log "creating database ${DB}"
  as_postgres createdb -p "$PORT" -O "$ROLE" -E UTF8 -T template0 --locale C.UTF-8 "$DB" >&2
fi
psql_su -d "$DB" -v role="$ROLE" -v db="$DB" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
SELECT format('ALTER SCHEMA public OWNER TO %I', :'role') \gexec
SELECT format('ALTER DATABASE %I SET synchronous_commit = off', :'db') \gexec
SQL

echo "postgresql://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/${DB}"
