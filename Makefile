# The two commands of the README: `make serve` and `make test`. Both build .venv when needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: serve test bench venv notebooks check clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(PY) -m neuropathy_massage serve $(ARGS)

test: $(STAMP)
	$(PY) -m pytest

# Re-execute every notebook and store its outputs, and regenerate the README's lesson table
# (after changing the data, the course model or the views).
notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py
	$(PY) tools/readme_table.py

# The course author's check: knowledge, course model and notebooks (docs/DATA.md).
check: $(STAMP)
	$(PY) -m neuropathy_massage check

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
