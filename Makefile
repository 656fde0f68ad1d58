# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: run test install translations migration clean-instance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs (.mo) are build output, made from the .po files on every install.
translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d translations

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	COOKIE_SECURE=0 $(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Before the first release the schema is one initial migration, regenerated from the models.
migration: install
	rm -f migrations/versions/*.py
	tmp=$$(mktemp -d) && DATABASE_URL=sqlite:///$$tmp/schema.sqlite3 $(FLASK) db migrate -m "initial schema" --rev-id 0001 && rm -rf $$tmp
