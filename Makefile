# The two commands of the README:  `make demo`  and  `make test`.  Both set everything up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml scripts/setup.sh
	PY=$(PY) bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/kasuhara-live replay samples/harassment_call.flac samples/complaint_call.flac

lint: $(STAMP)
	$(BIN)/ruff check kasuhara_live tests bench tools
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q -rs

bench: $(STAMP)
	$(BIN)/python bench/asr_bench.py

clean:
	rm -rf $(VENV) models/whisper-base
