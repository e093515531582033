# Fangtan Studio. `make run` serves the app; `make test` runs every test. Both install what is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .make-stamps
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test test-fast bench bench-feed bench-questions bench-cues bench-obs bench-publish bench-publish-30 deps deps-test migrate clean

$(STAMPS):
	mkdir -p $(STAMPS)

$(STAMPS)/system-run: deploy/install-deps.sh | $(STAMPS)
	deploy/install-deps.sh run
	touch $@

$(STAMPS)/system-test: deploy/install-deps.sh | $(STAMPS)
	deploy/install-deps.sh test
	touch $@

$(STAMPS)/venv: requirements.txt $(STAMPS)/system-run
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(STAMPS)/npm: package.json package-lock.json $(STAMPS)/system-run
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(STAMPS)/venv $(STAMPS)/npm

deps-test: deps $(STAMPS)/system-test

migrate: deps
	$(PY) -m flask --app server db upgrade

run: migrate
	$(PY) -m flask --app server user hint
	$(PY) server.py

test: deps-test
	deploy/start-test-services.sh
	$(PY) -m pytest -ra $(PYTEST_ARGS) tests

test-fast: deps
	$(PY) -m pytest -q -m "not integration" $(PYTEST_ARGS) tests

# Benchmarks print figures (bench/README.md). `make bench` runs them all (the publish one on a
# 5-minute recording; `make bench-publish-30` is the full 30-minute run); one alone:
# make bench-feed BENCH_ARGS="--sizes 100,1000"
bench: bench-feed bench-questions bench-cues bench-obs bench-publish

bench-feed: deps
	$(PY) bench/feed_fanout.py $(BENCH_ARGS)

bench-questions: deps
	$(PY) bench/question_intake.py $(BENCH_ARGS)

bench-cues: deps
	$(PY) bench/cue_advance.py $(BENCH_ARGS)

bench-obs: deps-test
	$(PY) bench/obs_control.py $(BENCH_ARGS)

bench-publish: deps-test
	$(PY) bench/publish.py --minutes 5 $(BENCH_ARGS)

bench-publish-30: deps-test
	$(PY) bench/publish.py --minutes 30 $(BENCH_ARGS)

clean:
	rm -rf $(STAMPS) .pytest_cache test-artifacts
