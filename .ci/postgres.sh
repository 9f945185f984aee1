# Sourced by .ci/run: a PostgreSQL 15 server with pgvector for the PostgreSQL backend's tests (issue 13).
# Builds pgvector from ../shared/vendor (no package for it here), starts Debian's cluster, creates a role that
# may create databases (each test suite makes its own, test/helpers/postgres.ts), and exports
# GROUNDED_TEST_PG. Idempotent; when any step fails it says so and the PostgreSQL tests skip with a line.
grounded_postgres_setup() {
  local url="postgres://grounded:grounded@127.0.0.1:5432/postgres"
  local vendor="../shared/vendor/pgvector-0.8.6.tar.gz"
  if ! command -v pg_ctlcluster >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; } || return 1
  fi
  local server_headers
  server_headers="$(pg_config --includedir-server 2>/dev/null)/postgres.h"
  if [ ! -f "$server_headers" ]; then
    { apt-get install -y -qq postgresql-server-dev-15 >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq postgresql-server-dev-15 >/dev/null; }; } || return 1
  fi
  if [ ! -f "$(pg_config --sharedir)/extension/vector.control" ]; then
    [ -f "$vendor" ] || { echo "$vendor not found"; return 1; }
    local d
    d=$(mktemp -d)
    tar xzf "$vendor" -C "$d" &&
      make -s -C "$d/pgvector-0.8.6" OPTFLAGS="" >/dev/null &&
      make -s -C "$d/pgvector-0.8.6" install >/dev/null || return 1
    rm -rf "$d"
  fi
  pg_lsclusters 15 main 2>/dev/null | grep -q online || pg_ctlcluster 15 main start || return 1
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'grounded'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"CREATE ROLE grounded LOGIN PASSWORD 'grounded' CREATEDB\"" || return 1
  # CREATE EXTENSION vector needs a superuser unless the extension is trusted; tests create it in fresh
  # databases, so the test role is one (a throwaway role on a throwaway cluster).
  su postgres -c "psql -qc 'ALTER ROLE grounded SUPERUSER'" >/dev/null || return 1
  export GROUNDED_TEST_PG="$url"
}

if grounded_postgres_setup; then
  echo "PostgreSQL with pgvector ready: GROUNDED_TEST_PG=$GROUNDED_TEST_PG"
else
  echo "PostgreSQL with pgvector could not be set up: the PostgreSQL backend's tests will skip"
fi
