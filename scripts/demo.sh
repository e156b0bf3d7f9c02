#!/usr/bin/env bash
# Migrate the embedded SQLite database, load the Cà Mau demo, start the worker and the web app.
set -euo pipefail
BIN=.venv/bin
$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py collectstatic --no-input -v0
$BIN/python manage.py seed_demo
$BIN/python manage.py pki_init
$BIN/python manage.py run_huey --workers 2 --worker-type thread > var/worker.log 2>&1 &
worker=$!
# Stand-ins for outside systems this machine cannot reach (named as stand-ins in their pages and docs).
$BIN/python -m twotier.payments.standin --port 8766 > var/standin-payments.log 2>&1 &
payments=$!
$BIN/python -m twotier.nationalportal.standin --port 8765 --db var/standin-portal.sqlite3 > var/standin-portal.log 2>&1 &
portal=$!
trap 'kill $worker $payments $portal 2>/dev/null || true' EXIT INT TERM
echo "Background worker started (pid $worker, log var/worker.log)"
echo "Payment provider stand-in on http://127.0.0.1:8766 (log var/standin-payments.log)"
echo "National Public Service Portal stand-in on http://127.0.0.1:8765 (log var/standin-portal.log)"
echo "TwoTier demo: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/v1/docs)"
$BIN/python manage.py runserver 127.0.0.1:8000 --noreload
