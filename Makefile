# Satchel: `make run` serves the app, `make test` runs the suite. Nothing else to configure.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types format install secrets migrate bench interop fuzz worker clean e2e messages \
	crosscheck crosscheck-fixtures crosscheck-present crosscheck-lerrs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

secrets: $(STAMP)
	$(BIN)/python scripts/dev_secrets.py var/dev.env

migrate: install secrets
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install secrets
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# Browser journeys in the system's Chromium (apt-get install chromium); not part of `make test`.
# Screenshots and console logs of failures land in var/e2e/.
# Translation catalogues: collect the marked strings into locale/{es,ar}, then (after
# translating the new entries) compile them. Both files are committed. makemessages is
# wallet's (wallet/management/commands/makemessages.py): it also collects the verifier's
# N_(...) and Message(...) sentences.
messages: install secrets
	$(BIN)/python manage.py makemessages -l es -l ar --no-location --ignore=.venv --ignore=tests \
		--ignore='*/node_modules/*' --ignore=staticfiles --ignore=var --ignore=devtools --ignore=scripts
	$(BIN)/python manage.py compilemessages --ignore=.venv

e2e: install secrets
	cd tests/e2e/axe && npm install --no-audit --no-fund --silent
	$(BIN)/pytest -m e2e tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over the production code ([tool.mypy] in pyproject.toml; README, "Types").
types: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

interop: install secrets
	$(BIN)/python manage.py interop

bench: install secrets
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# Satchel's selective disclosures verified by Digital Bazaar's ecdsa-sd-2023 cryptosuite
# (Node and npm; not part of `make test`). crosscheck-fixtures issues the credentials of
# tests/fixtures/independent/ again with the independent implementations (new keys each time).
crosscheck: install
	cd crosscheck && npm ci --no-audit --no-fund
	$(BIN)/python scripts/crosscheck.py

# The presentations Satchel sends (OpenID4VP ldp_vp, VC-API) checked by @digitalbazaar/vc.
crosscheck-present: install secrets
	cd devtools/bench/node && npm ci --no-audit --no-fund
	$(BIN)/python scripts/crosscheck_present.py

# The learner-signed LER-RS résumé checked by @digitalbazaar/vc.
crosscheck-lerrs: install secrets
	cd devtools/bench/node && npm ci --no-audit --no-fund
	$(BIN)/python scripts/crosscheck_lerrs.py

crosscheck-fixtures:
	cd crosscheck && npm ci --no-audit --no-fund
	node crosscheck/make_fixtures.mjs

# Mutated credentials through the verifier for FUZZ_SECONDS (not part of `make test`).
FUZZ_SECONDS ?= 1800
fuzz: install secrets
	$(BIN)/python scripts/fuzz.py --seconds $(FUZZ_SECONDS)

# Development: the worker with the beat schedule inside, started again whenever it exits on its
# own (Ctrl-C stops it for good). In production a supervisor does this: README, "Workers".
worker: install secrets
	@trap 'exit 130' INT TERM; while :; do \
	  $(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule --loglevel=info && break; \
	  echo "make worker: the worker exited (status $$?); starting it again in 5 s" >&2; \
	  sleep 5; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
