# Two commands do all set-up on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   make demo   install emodata and convert the bundled sample data
#   make test   install test dependencies (apt packages, servers, models) and run the tests
PY ?= python3
PIP = $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test test-deps bench

demo:
	$(PIP) .
	$(PY) -m emodata.cli demo --out emodata-demo

test-deps:
	bash .ci/install_test_deps.sh

test: test-deps
	$(PY) -m pytest

bench:
	$(PY) benchmarks/bench_convert.py
