# Gemba: two commands on a fresh machine — `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test lint unit browser-deps bench migrate clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo company, serve the UI on http://127.0.0.1:8000 and print the login.
demo: install
	$(VENV)/bin/gemba demo

serve: install
	$(VENV)/bin/gemba serve

migrate: install
	$(VENV)/bin/gemba db upgrade

## Debian's chromium for the Playwright browser tests (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null; \
	  else sudo apt-get install -y -q chromium >/dev/null; fi; }

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports

## Lint, import contracts, then the whole suite on SQLite and PostgreSQL.
test: install browser-deps lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile -q

unit: install
	$(VENV)/bin/pytest -q -x

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b $(BENCH_ARGS) || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
