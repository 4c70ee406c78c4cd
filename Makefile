# Capstan: `make demo` runs a whole release on the embedded local stack; `make test` runs every test.
# Both create the virtual environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test unit integration e2e infra-tests synth bench lint clean dev

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Capstan and its tools into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PY) -m pip install --disable-pip-version-check --upgrade pip > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(PY) -m pip install --disable-pip-version-check -e '.[cdk,dev]' >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@rm -f $(VENV)/.installed-* && touch $@

dev: $(STAMP)

demo: $(STAMP)
	@$(VENV)/bin/capstan demo

test: $(STAMP)
	@$(PY) -m pytest -n 2 --dist loadgroup tests

unit: $(STAMP)
	@$(PY) -m pytest tests/unit

integration: $(STAMP)
	@$(PY) -m pytest tests/integration

e2e: $(STAMP)
	@$(PY) -m pytest tests/e2e

infra-tests: $(STAMP)
	@$(PY) -m pytest tests/infra

synth: $(STAMP)
	@$(PY) app.py

lint: $(STAMP)
	@$(VENV)/bin/ruff check .

bench: $(STAMP)
	@$(PY) -m capstan_local.bench

clean:
	rm -rf $(VENV) .capstan cdk.out infra/.build
