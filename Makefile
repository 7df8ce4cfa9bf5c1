# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
NPM_STAMP := node_modules/.install-stamp
DEMO := .demo

.PHONY: demo demo-images verifier-deep test deps npm-deps system-deps rust-deps forge-test rust-test lint bindings snapshot gas fmt fuzz-deep

## demo: the keeper's devnet story: anvil, the suite deployed, orchestrators, delegators and a
## gateway paying tickets, two keepers running the rounds, a cheater's image spot-checked by a
## keeper, proved wrong in a proof game (each move printed) and slashed; a per-round table,
## images in .demo/; a
## governance proposal with its `sim proposal` report. `make demo DEMO_ARGS=--keep-running`
## leaves the chain up for `lpt` (the commands are printed).
## The build is `make test`'s own (`cargo test --workspace`, without running): the same features,
## so after `make test` nothing compiles, and cargo shows its progress.
DEMO_ARGS ?=
demo: deps
	cargo test --workspace --no-run
	$${CARGO_TARGET_DIR:-target}/debug/keeper devnet --out $(DEMO) $(DEMO_ARGS)

## demo-images: the verifier's command line on its own: the text-to-image model, an honest and a
## cheated image, checked.

VERIFIER := target/debug/verifier
demo-images: deps
	@mkdir -p $(DEMO)
	cargo build --quiet -p verifier --bin verifier
	$(VERIFIER) convert tools/models/out/text2img.tflite -o $(DEMO)/model.safetensors
	$(VERIFIER) make-input --prompt "a red circle above a blue square" --out $(DEMO)/input.bin
	$(VERIFIER) run --model $(DEMO)/model.safetensors --input $(DEMO)/input.bin \
		--out $(DEMO)/orchestrator.png --claim $(DEMO)/honest.json
	$(VERIFIER) run --cheat --model $(DEMO)/model.safetensors --input $(DEMO)/input.bin \
		--out $(DEMO)/cheater.png --claim $(DEMO)/cheat.json
	@echo "verifier (CPU reference) on the orchestrator's claim:"
	$(VERIFIER) check --model $(DEMO)/model.safetensors --input $(DEMO)/input.bin --claim $(DEMO)/honest.json
	@echo "verifier (CPU reference) on the cheater's claim (exit 1 = mismatch, as it should):"
	@rc=0; $(VERIFIER) check --model $(DEMO)/model.safetensors --input $(DEMO)/input.bin \
		--claim $(DEMO)/cheat.json || rc=$$?; if [ $$rc -ne 1 ]; then echo "expected a mismatch (exit 1), got exit $$rc" >&2; exit 1; fi
	@echo "images: $(DEMO)/orchestrator.png (honest) and $(DEMO)/cheater.png (another prompt's picture)"

## test: every check CI runs.
test: deps lint forge-test rust-test

deps: npm-deps system-deps rust-deps

# forge, anvil, cast, solc-js, OpenZeppelin and forge-std, pinned by package-lock.json.
npm-deps: $(NPM_STAMP)
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Mesa's lavapipe: a Vulkan driver on the CPU, so the wgpu verifier runs without a GPU.
system-deps:
	@if ! dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mesa-vulkan-drivers; \
	fi
	@# Python with venv and pip: the LiteRT oracle's virtual environment (models-oracle).
	@if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then \
		$(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip; \
	fi

rust-deps:
	@cargo fmt --version >/dev/null 2>&1 || { echo "rustfmt is missing: rustup component add rustfmt" >&2; exit 1; }
	@cargo clippy --version >/dev/null 2>&1 || { echo "clippy is missing: rustup component add clippy" >&2; exit 1; }

lint: npm-deps
	forge fmt --check
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings

# Runs every forge test once: the gas snapshot check (2% tolerance) runs the unit and gas tests;
# fuzz and invariant tests (their gas is an average over random inputs) run on their own.
forge-test: npm-deps
	forge snapshot --check --tolerance 2 --no-match-test '^(invariant|testFuzz)'
	forge test --match-test '^(invariant|testFuzz)'

# models-oracle: the LiteRT differential test (verifier tests/it/litert_oracle.rs) needs its venv.
rust-test: deps models-oracle
	cargo test --workspace

## verifier-deep: the verifier's deep differential tests: every committed LiteRT model through
## LiteRT's reference kernels and the verifier, on 200 random inputs each
## (VERIFIER_ORACLE_CASES=N), and 2,000 random graphs per op on wgpu against the CPU reference
## (LITERT_GPU_DEEP=N).
VERIFIER_ORACLE_CASES ?= 200
LITERT_GPU_DEEP ?= 2000
verifier-deep: system-deps models-oracle
	VERIFIER_ORACLE_CASES=$(VERIFIER_ORACLE_CASES) cargo test --release -p verifier --test it litert_oracle -- --nocapture
	LITERT_GPU_DEEP=$(LITERT_GPU_DEEP) cargo test --release -p verifier --test it litert_gpu -- --nocapture

.PHONY: models models-oracle models-check models-torch

## models: (not part of `make test`) trains the LiteRT int8 models in tools/models/ (the demo's
## text-to-image model, a tiny transformer, one model per op), converts them with TensorFlow's
## standard converter and rewrites tools/models/MODELS.md; a venv of ~1.6 GB, minutes on a CPU.
MODELS_VENV := tools/models/.venv
models: $(MODELS_VENV)/.stamp
	cd tools/models && nice .venv/bin/python train_text2img.py
	cd tools/models && nice .venv/bin/python tiny_transformer.py
	cd tools/models && nice .venv/bin/python op_models.py
	cd tools/models && nice .venv/bin/python report.py
$(MODELS_VENV)/.stamp: tools/models/requirements.txt
	python3 -m venv $(MODELS_VENV)
	$(MODELS_VENV)/bin/pip install -q -r $<
	touch $@

## models-torch: (optional, heavy) the PyTorch route: a tiny torch model to LiteRT int8 through
## litert-torch and ai-edge-quantizer (tools/models/torch_model.py); a 6.6 GB venv (CUDA torch).
TORCH_VENV := tools/models/.venv-torch
models-torch: $(TORCH_VENV)/.stamp
	cd tools/models && OMP_NUM_THREADS=1 nice .venv-torch/bin/python torch_model.py
$(TORCH_VENV)/.stamp: tools/models/requirements-torch.txt
	python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install -q -r $<
	touch $@

## models-oracle: the LiteRT oracle alone (ai-edge-litert + numpy, ~160 MB, seconds to install).
ORACLE_VENV := tools/models/.venv-oracle
models-oracle: $(ORACLE_VENV)/.stamp
## models-check: SPEC-NOTES.md's requantization and table claims against LiteRT's kernels.
models-check: models-oracle
	cd tools/models && .venv-oracle/bin/python spec_check.py
$(ORACLE_VENV)/.stamp: tools/models/requirements-oracle.txt | system-deps
	python3 -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/pip install -q -r $<
	touch $@

## fuzz-deep: every invariant at >= 100,000 calls and fuzz tests at 10,000 runs (foundry.toml's
## [profile.deep]); long. `make test` keeps its depth.
fuzz-deep: npm-deps
	FOUNDRY_PROFILE=deep forge test --match-test '^(invariant|testFuzz)' -vv

## bindings: regenerate bindings/artifacts and bindings/src/generated.rs after changing contracts/.
bindings: npm-deps
	BINDINGS_UPDATE=1 cargo test -p bindings-gen --test fresh

## snapshot: rewrite .gas-snapshot and snapshots/ after a reviewed gas change.
snapshot: npm-deps
	forge snapshot --no-match-test '^(invariant|testFuzz)'

## gas: print each operation's transaction gas beside Livepeer's (test/gas/GasScenario.t.sol).
gas: npm-deps
	forge test --match-contract '^(BondingScenarioGas|GasScenario|GovernanceScenarioGas)Test$$' -vv

fmt: npm-deps
	forge fmt
	cargo fmt --all
