# Two promises, kept true at every commit (see README):
#   make run   - install, ingest the sample corpus when the store is empty, serve the chat page
#   make test  - install (system packages too, when missing) and run lint + the whole test suite
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint system-deps clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

system-deps:
	bash .ci/system-deps

run: $(STAMP)
	$(BIN)/budgetqa serve --samples data/samples

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: system-deps $(STAMP) lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .budgetqa
