#!/usr/bin/env bash
# Every check: lint, types, migrations, OpenAPI drift, then the suite on SQLite and on PostgreSQL.
set -euo pipefail
BIN=.venv/bin
export PYTHONDONTWRITEBYTECODE=1
step() { printf '\n==> %s\n' "$*"; }

step "ruff (lint and format)"
$BIN/ruff check src tests bench conftest.py
$BIN/ruff format --check src tests bench conftest.py

step "mypy"
$BIN/mypy src

step "migrations are up to date"
TWOTIER_VAR_DIR=$(mktemp -d) $BIN/python manage.py makemigrations --check --dry-run

step "OpenAPI document has not drifted"
TWOTIER_VAR_DIR=$(mktemp -d) $BIN/python manage.py export_openapi --check docs/api/openapi.json

step "pytest on SQLite"
TWOTIER_DATABASE_URL= $BIN/pytest -q -n 2 --dist loadgroup "$@"

pg_url="${TWOTIER_TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && $BIN/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then
  pg_url="postgres://postgres@127.0.0.1:5432/twotier"
fi
if [ -n "$pg_url" ]; then
  step "pytest on PostgreSQL ($pg_url)"
  TWOTIER_DATABASE_URL="$pg_url" $BIN/pytest -q -n 2 --dist loadgroup -m "not browser" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "CI must run the suite on PostgreSQL, but no server answers on 127.0.0.1:5432" >&2
  exit 1
else
  echo "PostgreSQL not found (set TWOTIER_TEST_DATABASE_URL or start a server on 127.0.0.1:5432): skipped"
fi
