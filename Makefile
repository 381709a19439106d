# jiuzhu — two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_WORKERS ?= 2
PORT ?= 8000
export UV_NO_PROGRESS := 1

.PHONY: help setup run train demo-fixture test lint typecheck test-sqlite test-postgres test-replica test-browser test-faketime test-faketime-postgres bench migrations-check

help:
	@echo "make run    — install everything, prepare the demo database, serve on http://127.0.0.1:8000 (PORT=… for another)"
	@echo "             (the demo: a county with a year of history, from the prebuilt database demo/jiuzhu-demo.tar.xz;"
	@echo "             DEMO=quick for the small showcase, DEMO=walk to walk the year here — slow)"
	@echo "make demo-fixture — build demo/jiuzhu-demo.tar.xz again (walks the year: slow, see docs/operations.md)"
	@echo "make train  (= make run TRAINING=1) — the training copy (培训环境): its own database under var/training, a clock that can be moved forward; http://127.0.0.1:8001"
	@echo "make test   — lint, then the whole test suite on SQLite, on PostgreSQL and in Chromium"
	@echo "make bench  — benchmarks (PostgreSQL, 10^5–10^6 households); BENCH=documents DB=sqlite for one on SQLite"

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@scripts/ensure-fonts

run: setup
ifeq ($(TRAINING),1)
	@$(MAKE) --no-print-directory train
else
	@UV="$(UV)" PORT="$(PORT)" DEMO="$(DEMO)" DEMO_HOUSEHOLDS="$(DEMO_HOUSEHOLDS)" scripts/run-demo
endif

# The training copy: everything it keeps (database, files, clock offset) lives under var/training.
TRAIN_PORT ?= 8001
train: setup
	@JIUZHU_TRAINING=true JIUZHU_VAR_DIR="$(CURDIR)/var/training" UV="$(UV)" PORT="$(TRAIN_PORT)" DEMO="$(DEMO)" DEMO_HOUSEHOLDS="$(DEMO_HOUSEHOLDS)" scripts/run-demo

# The prebuilt demo database: run again after the demo walk or the migrations change (D-222).
demo-fixture: setup
	DEBUG=true $(UV) run python manage.py build_demo_fixture

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	DEBUG=true $(UV) run mypy jiuzhu
	DEBUG=true $(UV) run python manage.py makemigrations --check --dry-run >/dev/null

test: lint test-sqlite test-postgres test-replica test-browser test-faketime
	@echo "make test: all parts passed"

test-sqlite: setup
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL $(UV) run pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not browser and not postgres and not replica"

test-postgres: setup
	@echo "== pytest on PostgreSQL (then the row-lock and concurrency tests, which need real transactions) =="
	scripts/with-postgres sh -c '$(UV) run pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not browser and not postgres and not replica" && $(UV) run pytest -q -p no:xdist -m postgres'

test-replica: setup
	@echo "== report reads on a PostgreSQL streaming replica =="
	WITH_REPLICA=1 scripts/with-postgres $(UV) run pytest -q -p no:xdist -m replica

test-browser: setup
	@echo "== browser tests (Playwright + Chromium) =="
	@scripts/ensure-chromium; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "SKIPPED: browser tests — Chromium is not installed (run as root, or set CI=true to require it)"; exit 0; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	mkdir -p var; \
	env -u DATABASE_URL JIUZHU_SQLITE_TEST_NAME=$(CURDIR)/var/test-browser.sqlite3 $(UV) run pytest -q -m browser -p no:xdist
# (a database file, not memory: the payroll browser test's worker thread shares it with the live server)

# The suite must not depend on the day it runs: again with the system clock FAKE_AHEAD ahead (libfaketime), in a
# year no published holiday schedule covers. The whole process tree is faked, PostgreSQL server included.
FAKE_AHEAD ?= +800d
FAKETIME_RUN = scripts/ensure-faketime; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "SKIPPED: clock-ahead tests — faketime is not installed (run as root, or set CI=true to require it)"; exit 0; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; faketime -f '$(FAKE_AHEAD)'

test-faketime: setup
	@echo "== pytest on SQLite with the system clock $(FAKE_AHEAD) ahead =="
	@$(FAKETIME_RUN) env -u DATABASE_URL $(UV) run pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not browser and not postgres and not replica"

test-faketime-postgres: setup
	@echo "== pytest on PostgreSQL with the system clock $(FAKE_AHEAD) ahead =="
	@$(FAKETIME_RUN) scripts/with-postgres sh -c '$(UV) run pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not browser and not postgres and not replica" && $(UV) run pytest -q -p no:xdist -m postgres'

# DB=sqlite runs them on a new SQLite file instead (the demo's database; BENCH=documents is meant for it).
bench: setup
	@if [ "$(DB)" = "sqlite" ]; then \
	  mkdir -p var && rm -f var/bench.sqlite3 var/bench.sqlite3-wal var/bench.sqlite3-shm && \
	  DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3 $(UV) run python -m bench $(BENCH); \
	else scripts/with-postgres $(UV) run python -m bench $(BENCH); fi
