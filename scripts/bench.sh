#!/usr/bin/env bash
# Run the benchmarks; each prints a markdown table and writes bench/results/<name>.json.
set -euo pipefail
BIN=.venv/bin
$BIN/python bench/bench_signing.py
$BIN/python bench/bench_outbox.py
$BIN/python bench/bench_receive.py
