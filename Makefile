# citynexus — `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

PEERS  := .venv-peers/.installed

.PHONY: demo test bench peers lint format sysdeps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Debian packages the tests need (PostgreSQL server); installed only when missing.
sysdeps:
	@bash scripts/sysdeps.sh

demo: $(STAMP)
	$(VENV)/bin/citynexus demo

test: $(STAMP) sysdeps
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports
	bash scripts/with-postgres.sh $(PY) -m pytest -q

## Peer libraries that cannot share the project's environment: scorecardpy 0.1.9.7 needs pandas < 3.
$(PEERS): Makefile
	test -x .venv-peers/bin/python || $(PYTHON) -m venv .venv-peers
	.venv-peers/bin/python -m pip install --quiet "scorecardpy==0.1.9.7" "pandas>=2.2,<3"
	touch $(PEERS)

peers: $(PEERS)

bench: $(STAMP) $(PEERS)
	bash scripts/with-postgres.sh $(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .venv-peers build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
