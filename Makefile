# The README's two commands: `make run` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lint clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Every catalogue is compiled as part of set-up: pages and emails read the .mo files.
app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

run: $(STAMP) $(COMPILED)
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: $(STAMP) $(COMPILED)
	$(BIN)/ruff check app tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests bench

# Translators' command: refresh the message template from the sources and merge it into every
# catalogue (new ids arrive empty; the catalogue test then names what is missing).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--no-location --sort-output --omit-header -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var .pytest_cache
