# One task runner. `make demo` and `make test` work on a fresh machine.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
DEMO_DB := demo-ledger.db
LEDGER := $(BIN)/sanctions-ledger --db $(DEMO_DB)

.PHONY: install demo test test-fast lint check bench bench-smoke bench-screening bench-anchors postgres chromium clean stress schema

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(LEDGER) import --dataset xinjiang-2021
	$(LEDGER) in-force "Chen Mingguo" --at 2021-03-21
	$(LEDGER) in-force "Chen Mingguo" --at 2021-03-22
	$(LEDGER) in-force "Adrian Zenz" --at 2021-03-22
	$(LEDGER) in-force "Chen Quanguo" --at 2021-03-23
	$(LEDGER) list --authority EU --at 2021-03-23
	$(LEDGER) verify

# PostgreSQL tests are never skipped: without a server, this fails and says how to start one.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not running on 127.0.0.1:5432. Start it with: pg_ctlcluster --skip-systemctl-redirect \$$(ls /etc/postgresql) main start" >&2; exit 1; }

# The report tests screenshot the HTML reports in Debian's headless Chromium (never skipped).
chromium:
	@test -x /usr/bin/chromium || apt-get install -y chromium || \
		{ apt-get update && apt-get install -y chromium; }

test: install postgres chromium
	$(BIN)/pytest -q
	$(MAKE) bench-smoke

# The inner loop: SQLite only, no PostgreSQL, no killed processes (under a minute; the
# browser tests still run). `make test` runs everything.
test-fast: install chromium
	$(BIN)/pytest -q -m "not postgres and not slow"

# The benchmark (bench/README.md): 10k, 100k and 1M lines, writes bench/results.md.
# The target is 10 minutes; bench/results.md says how long the last run took.
bench: install postgres bench-anchors
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.screening_quality
	$(BIN)/python -m bench.screening_speed

# Screening quality and speed against rapidfuzz and nomenklatura's logic-v2; writes
# bench/screening-results.md (bench/screening_quality.py says how it counts).
bench-screening: install bench-anchors
	$(BIN)/python -m bench.screening_quality

# nomenklatura (the anchor of the screening benchmark) in its own virtualenv, never in the
# project's: it needs normality 3 and PyICU, which builds against Debian's libicu-dev.
ANCHORS := bench/.venv-anchors
$(ANCHORS)/bin/.installed:
	@pkg-config --exists icu-uc || apt-get install -y libicu-dev pkg-config || \
		{ apt-get update && apt-get install -y libicu-dev pkg-config; }
	$(PYTHON) -m venv $(ANCHORS)
	$(ANCHORS)/bin/python -m pip install --quiet --upgrade pip
	$(ANCHORS)/bin/python -m pip install --quiet 'nomenklatura==4.17.4' 'rigour==2.6.1'
	touch $@

bench-anchors: $(ANCHORS)/bin/.installed

# 10k lines only (< 1 min), so the benchmark cannot rot; part of `make test`.
bench-smoke: install postgres
	$(BIN)/python -m bench.run --smoke

# The JSON Schema of an interchange line, generated from ledger/interchange/lines.py;
# a test fails while the file in docs/ is stale.
schema: install
	$(BIN)/python -c 'from ledger.interchange import json_schema; print(json_schema(), end="")' \
		> docs/interchange.schema.json

lint: install
	$(BIN)/ruff check ledger cli migrations tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

check: lint test

clean:
	rm -rf $(VENV) $(ANCHORS) *.egg-info $(DEMO_DB)*

# The concurrency and kill -9 tests, N times in a row on both backends: `make stress N=20`.
N ?= 20
stress: install postgres
	for i in $$(seq $(N)); do echo "run $$i/$(N)"; $(BIN)/pytest -q tests/test_faults.py tests/test_concurrency.py || exit 1; done
