# Two commands for a new user: `make run` and `make test`. Everything else is what they depend on.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MODEL := models/dispute-assistant.tar.gz
RASA_DATA := domain.yml config.yml $(wildcard data/*.yml bot/nlu/*.py bot/rasa/nlu/*.py)
PYTEST_ARGS ?=

# Local settings (see .env.example), if any.
ifneq (,$(wildcard .env))
include .env
export $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' .env)
endif

.PHONY: run run-scaled test check install model db seed clean help nlu-report bench conv-report faults translations
.DEFAULT_GOAL := help

help:
	@echo "make run   - install, migrate, seed, train if needed, start everything on 127.0.0.1"
	@echo "make test  - install, static checks, train if needed, run the whole test suite"
	@echo "make check - import contracts (lint-imports), ruff and mypy on bot/ and actions/ (pyproject.toml)"
	@echo "make run-scaled - the same on PostgreSQL and Redis with several workers and two gateways"

$(PY):
	@PYTHON=$$(scripts/find-python310) && echo "Creating $(VENV) with $$PYTHON" && $$PYTHON -m venv $(VENV)

# The lock pins every transitive version; requirements.in says what we use directly.
$(INSTALLED): requirements.in requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -r requirements.in
	$(PY) -m pip check
	@touch $@

# Browser-side packages: the socket.io client the widget loads, rasa-webchat for the protocol test.
WEB_INSTALLED := web/node_modules/.installed
$(WEB_INSTALLED): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(INSTALLED) $(WEB_INSTALLED)

# spaCy pipeline (tokenizer + lookup lemmas) built from installed packages; nothing is downloaded.
SPACY_MODEL := models/spacy_en/meta.json
$(SPACY_MODEL): $(INSTALLED) bot/nlu/spacy_model.py
	$(PY) -m bot.nlu.spacy_model models/spacy_en

# Retrains only when the model is missing or older than its data; rasa may decide nothing changed,
# so the target is touched either way.
$(MODEL): $(INSTALLED) $(SPACY_MODEL) $(RASA_DATA)
	$(PY) -m rasa train --fixed-model-name dispute-assistant --out models
	@touch $@

model: $(MODEL)

# The message catalogue (bot/i18n): extract every marked text into the template, then add new ones (empty) to
# each language's .po, keeping what is translated. tests/unit/test_translations.py names any text left empty.
LANGUAGES := es pt fr ru
translations: $(INSTALLED)
	$(VENV)/bin/pybabel extract --no-location --sort-output --omit-header -F bot/i18n/babel.cfg \
		-k _ -k N_ -k t -k plural:1,2 -o bot/i18n/locales/messages.pot .
	@for l in $(LANGUAGES); do \
		po=bot/i18n/locales/$$l/LC_MESSAGES/messages.po; \
		if [ -f $$po ]; then $(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete \
			-i bot/i18n/locales/messages.pot -d bot/i18n/locales -l $$l; \
		else $(VENV)/bin/pybabel init -i bot/i18n/locales/messages.pot -d bot/i18n/locales -l $$l; fi; \
	done

db: $(INSTALLED)
	$(PY) -m bot migrate

seed: $(INSTALLED)
	$(PY) -m bot seed --if-empty

# `make run` is the demo: its page signs visitors in as the seeded demo buyers (unless DEMO_BUYERS is set,
# even empty). `python -m bot run` alone never does.
run: export DEMO_BUYERS ?= anna,ben,chen
run: $(INSTALLED) $(WEB_INSTALLED) $(MODEL) seed
	$(PY) -m bot run

# The scale-out profile on this machine (docs/deployment.md): the dispute store and Rasa's conversations in
# the PostgreSQL database dispute_assistant (created if missing), Redis for Rasa's lock store and socket.io,
# a Rasa worker per core, two action-server workers, two gateways (GATEWAY_PORT and the next port). Every
# setting already in the environment or .env wins over these defaults.
SCALED_DATABASE_URL := postgresql+psycopg2://postgres@127.0.0.1:5432/dispute_assistant
SCALED_REDIS_URL := redis://127.0.0.1:6379/0
run-scaled: $(INSTALLED) $(WEB_INSTALLED) $(MODEL)
	export DATABASE_URL="$${DATABASE_URL:-$(SCALED_DATABASE_URL)}"; \
	export RASA_TRACKER_URL="$${RASA_TRACKER_URL:-$(SCALED_DATABASE_URL)}"; \
	export REDIS_URL="$${REDIS_URL:-$(SCALED_REDIS_URL)}"; \
	export RASA_WORKERS="$${RASA_WORKERS:-$$(nproc)}"; \
	export ACTION_SERVER_WORKERS="$${ACTION_SERVER_WORKERS:-2}"; \
	export GATEWAY_PROCESSES="$${GATEWAY_PROCESSES:-2}"; \
	$(PY) -m bot db-create && $(PY) -m bot migrate && $(PY) -m bot seed --if-empty && exec $(PY) -m bot run

# Static checks, configured in pyproject.toml: the import contracts (layers; the domain free of Rasa, HTTP and SQL;
# actions only through services), ruff and mypy. All three run so one pass shows every failure; any failure fails.
check: $(INSTALLED)
	@status=0; \
	$(VENV)/bin/lint-imports || status=1; \
	$(PY) -m ruff check bot actions || status=1; \
	$(PY) -m mypy bot actions || status=1; \
	exit $$status

# The static checks come first: a broken contract or a type error fails the build before any model is trained.
test: check $(INSTALLED) $(WEB_INSTALLED) $(MODEL)
	$(PY) -m pytest $(PYTEST_ARGS)

# Cross-validation on data/nlu.yml and scores on the held-out real buyer messages (../shared/evals);
# a benchmark: it writes reports/nlu/nlu-report.{md,json} and never fails on low figures.
nlu-report: $(INSTALLED) $(SPACY_MODEL)
	$(PY) -m bench.nlu_report

# The typed-conversation battery (tests/conversations/battery) through a stack of its own: success rate, silent
# turns and the failing turns in reports/conversations/conv-report.{md,json}. The tests run it too.
conv-report: $(INSTALLED) $(WEB_INSTALLED) $(MODEL)
	$(PY) -m bench.conversations

# Load benchmark against the full stack and stock Rasa side by side (see bench/load/); writes
# bench/results/load-*.json. Takes several minutes: it trains stock Rasa's moodbot too.
bench: $(INSTALLED) $(WEB_INSTALLED) $(MODEL)
	$(PY) -m bench.load $(BENCH_ARGS)

clean:
	rm -rf models var .pytest_cache test-artifacts

# Fault benchmark (see bench/faults.py): processes killed and the database cut at the final yes of dispute
# forms, on the embedded and the scale-out profile; writes bench/results/faults-*.json. About 10 minutes.
faults: $(INSTALLED) $(MODEL)
	$(PY) -m bench.faults $(FAULTS_ARGS)
