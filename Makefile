# The two commands of the README: `make demo` and `make test`.
# Each makes its own virtual environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck layers pytest schema clean

demo: $(STAMP)
	rm -rf .demo
	$(BIN)/reconciler demo --dir .demo

test: $(STAMP)
	scripts/test

$(STAMP): pyproject.toml
	scripts/venv $(PYTHON) $(VENV)
	touch $(STAMP)

schema: $(STAMP)
	$(BIN)/reconciler schema

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis .import_linter_cache .demo
