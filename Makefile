# The two commands: `make run` (install and serve) and `make test` (install and test).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EDITOR_JS := service/web/static/editor/editor.js

.PHONY: run test install install-test editor bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python editor
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python editor
	$(BIN)/pip install -q -e '.[test]'

# The query editor (CodeMirror) from the npm registry, pinned by editor/package-lock.json and
# bundled into the service's static folder. Without npm, /sparql is a plain form.
editor:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(EDITOR_JS) \
	  || echo "warning: the query editor was not built; /sparql is a plain form"; \
	else echo "npm not found: the query editor is not built; /sparql is a plain form"; fi

$(EDITOR_JS): editor/package.json editor/package-lock.json editor/src/editor.js
	cd editor && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

run: install
	$(BIN)/citynet serve $(ARGS)

test: install-test
	$(BIN)/python -m pytest $(ARGS)

bench: install-test
	$(BIN)/python -m benchmarks $(ARGS)

clean:
	rm -rf var $(dir $(EDITOR_JS)) editor/node_modules
