# The two commands a fresh machine needs (see README): `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps run build serve test lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the suite needs: Chromium for browser tests, PostgreSQL for the content store.
system-deps:
	bash scripts/system-deps.sh

build: install
	$(VENV)/bin/oppvekst build

serve: install
	$(VENV)/bin/oppvekst serve --host 127.0.0.1 --port 8000

run: build serve

test: install system-deps
	$(VENV)/bin/python -m pytest

lint: install
	$(VENV)/bin/ruff check src tests
