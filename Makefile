# make demo   — set up .venv and run the synthetic → train → evaluate → infer demo, then the released
#               detectors (model=auto, when any is shipped) on ../shared/data/real (outputs/demo/)
# make test   — set up .venv and run the test suite [TEST_WORKERS=2] (pytest-xdist, one torch thread each)
# make gpu-check [OUT=outputs/gpu-check] [DEVICE=cpu] — the one-call GPU check (scripts/gpu_check.sh;
#               DEVICE=cpu is its dry run at tiny sizes); uses python3 as it is (no venv: see README)
# make gpu-release [OUT=outputs/gpu-release] [DEVICE=cpu] [JOBS="jiram_m uv_s2"] [BUDGET=420]
#               — train the release recipes side by side on the GPU (scripts/gpu_train_timed.sh;
#               ARGS, STEPS_*, DEADLINE: see the script; DEVICE=cpu is its dry run)
# make real-eval CKPT=runs/.../model.pt [OUT=outputs/real-eval] [ARGS="real.resample=off real.temporal.mode=off"] — score a checkpoint on ../shared/data/real (temporal: as infer, auto by default)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format venv clean real-eval gpu-check gpu-release

OUT ?= outputs/real-eval
# pytest-xdist workers of `make test` (CI has 2 cores; a file's tests stay on one worker)
TEST_WORKERS ?= 2

# Rebuilt whenever pyproject.toml or constraints.txt is newer than the last install.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh outputs/demo

test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

real-eval: $(STAMP)
	@test -n "$(CKPT)" || { echo "make real-eval needs CKPT=path/to/model.pt"; exit 2; }
	$(PY) -m jovis benchmark suite=real ckpt=$(CKPT) out=$(OUT) $(ARGS)

gpu-check:
	OUT=$(if $(filter command line,$(origin OUT)),$(OUT),outputs/gpu-check) DEVICE=$(or $(DEVICE),cuda) bash scripts/gpu_check.sh

gpu-release:
	OUT=$(if $(filter command line,$(origin OUT)),$(OUT),outputs/gpu-release) DEVICE=$(or $(DEVICE),cuda) bash scripts/gpu_train_timed.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts
	$(VENV)/bin/ruff format --check src tests scripts

format: $(STAMP)
	$(VENV)/bin/ruff format src tests scripts
	$(VENV)/bin/ruff check --fix src tests scripts

clean:
	rm -rf outputs .pytest_cache .ruff_cache
