# The two commands of the README:  `make demo`  and  `make test`.  Both set everything up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The judge's hot modules compiled with mypyc (optional: without a compiler the sources run, slower).
COMPILED := build/compiled/stamp.json
JUDGE_HOT := $(addprefix kasuhara_live/judge/,japanese.py lexicon.py phrase_patterns.py matcher.py model.py \
	  word_classes.py rules.py cues.py clauses.py guards.py grammar.py grammar_cues.py harm.py persistence.py \
	  groups.py terms.py behaviours.py own_choice.py rule_base.py persistence_plans.py exposure.py belittling.py \
	  word_class_names.py)

.PHONY: setup demo test lint bench eval model train-files clean

$(STAMP): pyproject.toml scripts/setup.sh
	PY=$(PY) bash scripts/setup.sh
	touch $(STAMP)

$(COMPILED): $(JUDGE_HOT) kasuhara_live/config.py kasuhara_live/events.py kasuhara_live/errors.py \
	  kasuhara_live/judge/compiled.py scripts/build_compiled.py | $(STAMP)
	$(BIN)/python scripts/build_compiled.py

setup: $(STAMP) $(COMPILED)

demo: $(STAMP) $(COMPILED)
	$(BIN)/kasuhara-live demo

lint: $(STAMP)
	$(BIN)/ruff check kasuhara_live tests bench tools scripts
	$(BIN)/mypy

test: lint $(COMPILED)
	$(BIN)/pytest -q -rs

bench: $(STAMP) $(COMPILED)
	$(BIN)/python bench/asr_bench.py
	$(BIN)/python bench/scan_bench.py

# Real, human-written Japanese, kept outside the repository (licences): ../shared/realtext as it is, and the corpora
# tools/real_corpora.py rebuilds into ../realdata (docs/real-corpora.md). Whichever of them exist are measured.
REAL_TEXT := $(wildcard ../shared/realtext/*.tsv ../realdata/*.tsv)

eval: $(STAMP) $(COMPILED)
	$(BIN)/kasuhara-live eval tests/data/dev.tsv tests/data/dev2.tsv tests/data/dev3.tsv tests/data/dev4.tsv tests/data/dev5.tsv \
	  tests/data/dev6.tsv tests/data/dev7.tsv tests/data/dev8.tsv tests/data/dev9.tsv tests/data/dev10.tsv \
	  tests/data/dev11.tsv tests/data/dev12.tsv tests/data/dev13.tsv tests/data/dev14.tsv tests/data/dev15.tsv \
	  tests/data/dev16.tsv tests/data/dev17.tsv tests/data/dev18.tsv tests/data/dev19.tsv tests/data/dev20.tsv \
	  tests/data/dev21.tsv tests/data/dev22.tsv tests/data/dev23.tsv tests/data/dev24.tsv \
	  tests/data/heldout.tsv tests/blind/blind.tsv \
	  tests/blind2/blind2.tsv tests/blind3/blind3.tsv tests/blind4/blind4.tsv tests/blind5/blind5.tsv tests/blind6/blind6.tsv \
	  tests/blind7/blind7.tsv tests/blind8/blind8.tsv tests/blind9/blind9.tsv tests/blind10/blind10.tsv \
	  tests/data/dev_asr10.tsv tests/data/dev8_asr10.tsv tests/data/dev19_asr10.tsv tests/data/heldout_asr10.tsv \
	  tests/blind/blind_asr10.tsv \
	  tests/blind3/blind3_asr10.tsv tests/blind4/blind4_asr10.tsv tests/blind5/blind5_asr10.tsv tests/blind6/blind6_asr10.tsv \
	  tests/blind7/blind7_asr10.tsv tests/blind8/blind8_asr10.tsv tests/blind9/blind9_asr10.tsv tests/blind10/blind10_asr10.tsv \
	  $(REAL_TEXT) --out docs/judge-evaluation.md

# The judge's second-opinion model (configs/judge-model.json.gz), trained on every development set, the
# development sets' ASR copies, and real plain-form speech written by people (tests/data/real: CC BY-SA 4.0, so
# the model file is shared alike); never on tests/blind* nor on the real corpora it is measured on.
# Deterministic: the same data give the same bytes.
TRAIN := tests/data/dev.tsv tests/data/dev2.tsv tests/data/dev3.tsv tests/data/dev4.tsv tests/data/dev5.tsv \
	  tests/data/dev6.tsv tests/data/dev7.tsv tests/data/dev8.tsv tests/data/dev9.tsv tests/data/dev10.tsv \
	  tests/data/dev11.tsv tests/data/dev12.tsv tests/data/dev13.tsv tests/data/dev14.tsv tests/data/dev15.tsv \
	  tests/data/dev16.tsv tests/data/dev17.tsv tests/data/dev18.tsv tests/data/dev19.tsv tests/data/dev20.tsv \
	  tests/data/dev21.tsv tests/data/dev22.tsv \
	  tests/data/heldout.tsv tests/data/dev_asr10.tsv tests/data/dev8_asr10.tsv tests/data/dev19_asr10.tsv \
	  tests/data/heldout_asr10.tsv tests/data/real/rpc_train.tsv
model: $(STAMP)
	$(BIN)/kasuhara-live train-model $(TRAIN) --out configs/judge-model.json.gz

train-files:  # the shipped model's training files, for a site's own retraining: $(make -s train-files) mine.tsv
	@echo $(TRAIN)

clean:
	rm -rf $(VENV) models/whisper-base build/compiled
