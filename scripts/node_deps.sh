#!/usr/bin/env bash
# Install the npm packages (axe-core for accessibility tests) into node_modules when npm exists.
set -u
stamp=node_modules/.installed-$(cksum < package.json | cut -d' ' -f1)
[ -f "$stamp" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "node-deps: npm not found; accessibility checks in browser tests will fail until it is installed" >&2
  exit 0
fi
npm install --no-audit --no-fund --loglevel=error >/dev/null && rm -f node_modules/.installed-* && touch "$stamp"
