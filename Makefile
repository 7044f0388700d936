# timetrack: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 is the Lambda runtime. Use it from PATH, else from pyenv.
PYTHON ?= $(shell for p in python3.13 "$$(PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null)" $$HOME/.pyenv/versions/3.13*/bin/python3.13; do \
	[ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v "$$p"; break; }; done)
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)
# Local runs never touch a real account.
LOCAL_ENV := AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

.PHONY: help venv test lint unit validate build run user demo invoke bench openapi clean docs-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt
	@test -n "$(PYTHON)" || { echo "python3.13 not found (PATH or pyenv)"; exit 1; }
	@echo "Creating $(VENV) and installing the pinned dependencies (once; a minute or two)…"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install -r requirements-dev.txt
	@touch $@ && echo "$(VENV) is ready."

$(SAM_VENV)/.installed: requirements-sam.txt
	@test -n "$(PYTHON)" || { echo "python3.13 not found (PATH or pyenv)"; exit 1; }
	@echo "Creating $(SAM_VENV) (the SAM CLI) and installing its pinned dependencies (once)…"
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(SAM_VENV)/bin/python -m pip install -r requirements-sam.txt
	@touch $@ && echo "$(SAM_VENV) is ready."

venv: $(VENV)/.installed $(SAM_VENV)/.installed ## create both virtualenvs (app + SAM CLI)

lint: $(VENV)/.installed ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: $(VENV)/.installed ## pytest (unit, integration, contract, events, schemathesis)
	$(LOCAL_ENV) $(PY) -m pytest -q -n auto

validate: $(SAM_VENV)/.installed ## sam validate --lint and cfn-lint
	$(SAM) validate --lint --region us-east-1
	$(SAM_VENV)/bin/cfn-lint template.yaml

test: lint unit validate ## everything CI checks

build: $(SAM_VENV)/.installed $(VENV)/.installed ## sam build (no Docker needed)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(SAM) build

run: $(VENV)/.installed ## the whole API and worker on an in-memory AWS at 127.0.0.1:8000 (PORT, MOTO_PORT to change); Ctrl-C stops it
	@$(LOCAL_ENV) $(PY) -m local.server

user: $(VENV)/.installed ## create a user and token on the running local stack: make user EMAIL=a@example.com
	@test -n "$(EMAIL)" || { echo "usage: make user EMAIL=a@example.com"; exit 2; }
	@$(LOCAL_ENV) $(PY) -m local.manage --local create-user --email "$(EMAIL)"

demo: $(VENV)/.installed ## the README's curl walkthrough, end to end, on the running local stack
	@$(LOCAL_ENV) $(PY) -m local.demo

invoke: $(VENV)/.installed ## run one event through a handler in-process: make invoke FUNCTION=entries EVENT=events/entries_list.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=entries EVENT=events/entries_list.json"; exit 2; }
	@$(LOCAL_ENV) $(PY) -m local.invoke $(FUNCTION) $(EVENT)

bench: $(VENV)/.installed ## cold start, warm latency and DynamoDB cost figures
	$(LOCAL_ENV) $(PY) -m bench

docs-check: $(VENV)/.installed ## /docs renders every operation offline in headless Chromium (needs chromium)
	$(LOCAL_ENV) $(PY) -m local.check_docs

openapi: $(VENV)/.installed ## write the OpenAPI document to docs/openapi.json
	mkdir -p docs && $(LOCAL_ENV) $(PY) -m local.openapi > docs/openapi.json.tmp && mv docs/openapi.json.tmp docs/openapi.json

clean: ## remove virtualenvs and build output
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache .run
