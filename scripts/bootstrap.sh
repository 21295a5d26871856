#!/usr/bin/env bash
# Prepare this machine for Thesaban: Debian packages, the virtualenv and a PostGIS database.
# Idempotent and quiet when there is nothing to do, so `make run` and `make test` call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
PG_VERSION=15
PG_START_TIMEOUT=${PG_START_TIMEOUT:-1800}
DEBIAN_PACKAGES=(
  "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" postgresql-client-$PG_VERSION
  gdal-bin libgdal-dev libgeos-c1v5 libproj25  # GeoDjango loads GDAL, GEOS and PROJ
  gettext                                      # compilemessages for the Thai/English catalogues
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint (PDF notices)
  poppler-utils                                # pdftotext, used by the notice tests
  fonts-thai-tlwg                              # Thai glyphs for the headless browser
  chromium                                     # browser tests, driven by Playwright
  python3-venv curl
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_virtualenv() {
  [ -x "$VENV/bin/python" ] || { say "Creating $VENV"; "$PYTHON" -m venv "$VENV"; }
  local stamp="$VENV/.requirements.sha256"
  local want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing Python requirements into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
    echo "$want" > "$stamp"
  fi
}

# Settings of the machine's own cluster for bulk work on a development or CI machine (a deployment tunes
# its own server; see docs/BENCHMARKS.md). Imports, the benchmark town and assessment runs write
# gigabytes of WAL: with the stock max_wal_size of 1 GB the cluster checkpoints every few seconds and
# writes whole pages again after each checkpoint.
#   max_wal_size 8GB, checkpoint_timeout 15min  checkpoints by time, not after every gigabyte of WAL
#   synchronous_commit off  an operating-system crash may lose the last fraction of a second of
#                           commits, never consistency (test suites commit thousands of times)
#   shared_buffers          a quarter of the memory, at most 2 GB (the stock 128 MB makes every bulk
#                           statement write its own pages out); it needs a restart, so it takes effect
#                           the next time the cluster starts; this script restarts the cluster only
#                           right after starting it itself, never under other people's sessions.
tune_local_cluster() {
  local started=$1
  shift
  local psql=("$@")
  local memory_mb
  memory_mb=$(awk '/^MemTotal:/ {print int($2 / 1024 / 4)}' /proc/meminfo)
  [ "$memory_mb" -gt 2048 ] && memory_mb=2048
  local changed="" pair name value
  for pair in max_wal_size=8GB checkpoint_timeout=15min synchronous_commit=off "shared_buffers=${memory_mb}MB"; do
    name=${pair%%=*}
    value=${pair#*=}
    if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'
                                AND name = '$name' AND setting = '$value'")" ]; then
      "${psql[@]}" -c "ALTER SYSTEM SET $name = '$value'"
      changed=1
    fi
  done
  [ -n "$changed" ] || return 0
  say "Tuned the PostgreSQL $PG_VERSION cluster for bulk work (max_wal_size, checkpoint_timeout, synchronous_commit, shared_buffers)"
  "${psql[@]}" -c "SELECT pg_reload_conf()" >/dev/null
  if [ -n "$started" ]; then as_root pg_ctlcluster "$PG_VERSION" main restart -- --timeout="$PG_START_TIMEOUT"; fi
}

# With DATABASE_URL unset, Thesaban uses a role and database of its own on the machine's cluster.
ensure_local_database() {
  if [ -n "${DATABASE_URL:-}" ]; then return; fi
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1==v && $2=="main"' | grep -q .; then
    say "Creating PostgreSQL $PG_VERSION cluster"
    as_root pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  local started=""
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
    say "Starting PostgreSQL $PG_VERSION"
    # After an unclean stop the cluster first replays its WAL (up to max_wal_size, about a minute
    # for 8 GB here): pg_ctl's default 60 s wait is too short for that.
    as_root pg_ctlcluster "$PG_VERSION" main start -- --timeout="$PG_START_TIMEOUT"
    started=1
  fi
  local psql=(as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAX)
  if [ "$(id -u)" -ne 0 ]; then psql=(sudo -u postgres psql -v ON_ERROR_STOP=1 -qtAX); fi
  tune_local_cluster "$started" "${psql[@]}"
  local db=${THESABAN_DB_NAME:-thesaban}
  # Superuser only on this local development cluster: the test runner creates databases with PostGIS
  # and the backup tests run pg_restore. A deployment brings its own DATABASE_URL.
  "${psql[@]}" -c "DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'thesaban') THEN
        CREATE ROLE thesaban LOGIN SUPERUSER PASSWORD 'thesaban';
      END IF; END\$\$;"
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    say "Creating database $db"
    "${psql[@]}" -c "CREATE DATABASE \"$db\" OWNER thesaban ENCODING 'UTF8' TEMPLATE template0"
  fi
  "${psql[@]}" -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"
}

install_debian_packages
install_virtualenv
ensure_local_database
