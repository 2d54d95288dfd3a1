# The two commands of the README:  `make demo`  and  `make test`.  Both set everything up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench eval clean

$(STAMP): pyproject.toml scripts/setup.sh
	PY=$(PY) bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/kasuhara-live demo

lint: $(STAMP)
	$(BIN)/ruff check kasuhara_live tests bench tools
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q -rs

bench: $(STAMP)
	$(BIN)/python bench/asr_bench.py
	$(BIN)/python bench/scan_bench.py

eval: $(STAMP)
	$(BIN)/kasuhara-live eval tests/data/dev.tsv tests/data/dev2.tsv tests/data/dev3.tsv tests/data/dev4.tsv tests/data/dev5.tsv \
	  tests/data/heldout.tsv tests/blind/blind.tsv tests/blind2/blind2.tsv tests/blind3/blind3.tsv \
	  tests/data/dev_asr10.tsv tests/data/heldout_asr10.tsv tests/blind/blind_asr10.tsv --out docs/judge-evaluation.md

clean:
	rm -rf $(VENV) models/whisper-base
