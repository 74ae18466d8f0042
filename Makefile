# The two commands: `make run` (install and serve) and `make test` (install and test).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

run: install
	$(BIN)/citynet serve $(ARGS)

test: install-test
	$(BIN)/python -m pytest $(ARGS)

bench: install-test
	$(BIN)/python -m benchmarks $(ARGS)

clean:
	rm -rf var
