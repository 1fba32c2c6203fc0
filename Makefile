# pygrind: `make demo` runs pygrind on a real program, `make test` runs every test.
# Both create .venv/ first (idempotent). pyvex 10 needs Python >= 3.12.

PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 \
	/root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml pygrind/backend/vexcg/*.[ch] pygrind/tools/*/native/*.[ch]
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found (set PYTHON=...)" >&2; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	# byte-compile pygrind now: a shell with PYTHONDONTWRITEBYTECODE would otherwise
	# make every start-up compile it from source
	$(VENV)/bin/python -m compileall -q pygrind
	# the libVEX code generator tier (C, built against pyvex's libVEX; needs cc; without
	# it, blocks start in the Python tier)
	-$(VENV)/bin/python -m pygrind.backend.vexcg.build
	touch $(STAMP)

demo: venv
	$(VENV)/bin/pygrind --tool=none -q /bin/ls -la /usr/include
	$(VENV)/bin/pygrind --tool=lackey /bin/true

test: venv
	$(VENV)/bin/ruff check pygrind tests bench examples
	# everything with the JIT, compiling every block natively after its first run
	PYGRIND_TEST_BACKEND=jit $(VENV)/bin/python -m pytest -n 2 -q tests
	# the end-to-end and CPU suites again with the reference backend
	PYGRIND_TEST_BACKEND=ref $(VENV)/bin/python -m pytest -n 2 -q -m "not slow" tests/e2e tests/cpu
	# and with the JIT's defaults, where code the tool leaves alone runs as libVEX's
	PYGRIND_TEST_BACKEND=vex $(VENV)/bin/python -m pytest -n 2 -q -m "not slow" tests/e2e tests/cpu

bench: venv
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
