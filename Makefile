# The two commands of the README:
#   make demo   install everything, migrate, seed the demo tree, serve it on :8000
#   make test   install everything, run the whole test suite
# Without DATABASE_URL / REDIS_URL: SQLite, and a Celery worker (rundemo) reached through files in .demo/.
# With them: PostgreSQL and Redis.

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1:8000

.PHONY: demo test setup lint worker beat mutation

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py rundemo $(HOST)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Mutation testing of the rule modules, each with its own tests (docs/testing.md). All of them by
# default; MUTATION_ARGS="members/rules.py" for one, "--ci" for the small size CI runs.
mutation: setup
	$(PY) tools/mutation.py $(MUTATION_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Production shape (needs REDIS_URL): a worker and the beat scheduler.
worker: setup
	$(VENV)/bin/celery -A zhtj worker --loglevel=info

beat: setup
	$(VENV)/bin/celery -A zhtj beat --loglevel=info
