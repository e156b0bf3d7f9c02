# TwoTier: `make demo` runs the demo, `make test` runs every check. Each target sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package.json 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench setup system-deps node-deps clean openapi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP) system-deps node-deps
	$(BIN)/python manage.py compile_translations

system-deps:
	@bash scripts/system_deps.sh

node-deps:
	@bash scripts/node_deps.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py
	$(BIN)/mypy src

openapi: $(STAMP)
	$(BIN)/python manage.py export_openapi --output docs/api/openapi.json

bench: setup
	@bash scripts/bench.sh

clean:
	rm -rf $(VENV) var node_modules
