# The commands of the README: `make serve`, `make hub` and `make test`. They build .venv when needed;
# `make hub` and `make test` also install JupyterHub's proxy (configurable-http-proxy, pinned in
# deploy/hub/package-lock.json) with npm into deploy/hub/node_modules/ (ignored by git).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROXY  := deploy/hub/node_modules/.bin/configurable-http-proxy

.PHONY: serve hub test bench venv proxy notebooks check clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(PY) -m neuropathy_massage serve $(ARGS)

proxy: $(PROXY)

$(PROXY): deploy/hub/package.json deploy/hub/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for JupyterHub's proxy: install Node.js 20 or newer" >&2; exit 1; }
	npm ci --prefix deploy/hub --no-audit --no-fund --loglevel=error
	touch $(PROXY)

# JupyterHub for a class on 127.0.0.1:8000 (docs/DEPLOY.md): the class password comes from
# COURSE_HUB_PASSWORD; another address with ARGS="--host 0.0.0.0", the JupyterLab profile with
# ARGS="--profile lab".
hub: $(STAMP) $(PROXY)
	$(PY) -m neuropathy_massage hub $(ARGS)

test: $(STAMP) $(PROXY)
	$(PY) -m pytest

# Re-execute every notebook and store its outputs, and regenerate the README's lesson table
# (after changing the data, the course model or the views).
notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py
	$(PY) tools/readme_table.py

# The course author's check: knowledge, course model and notebooks (docs/DATA.md).
check: $(STAMP)
	$(PY) -m neuropathy_massage check

bench: $(STAMP) $(PROXY)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache deploy/hub/node_modules
