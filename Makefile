# inferfleet developer entry points. `make plan` and `make test` each set up everything they need.
#
#   make plan            offline plan + policy gate of the reference stack (STACK=prod-cn-south)
#   make test            policy checks (opa fmt/check/test) and the pytest suite
#   make lint            ruff (lint + format check) and mypy
#   make bench           benchmarks under bench/
#   make bootstrap       venv with the toolkit and every module (editable), OPA, cloud-init

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
TOOLS       := .tools/bin
OPA         := $(TOOLS)/opa
OPA_SOURCES := $(wildcard tools/opa/*.go) tools/opa/go.mod tools/opa/go.sum
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT  := $(TOOLS)/actionlint
STACK       ?= prod-cn-south
# STACK reaches recipes, so it must be a stack name, checked on its unexpanded text before anything
# runs: a value from the environment or the command line is expanded by make itself (`$(shell ...)`).
STACK_NAME_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
                    0 1 2 3 4 5 6 7 8 9 - _ .
without_chars = $(if $(2),$(call without_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
ifneq ($(words $(value STACK))$(call without_chars,$(value STACK),$(STACK_NAME_CHARS)),1)
$(error STACK must be one stack name: letters, digits, '-', '_' and '.' only)
endif
STACK       := $(value STACK)
OUT         := out
MODULES     := $(sort $(dir $(wildcard modules/*/pyproject.toml)))
MODULE_PKGS := $(sort $(dir $(wildcard modules/*/inferfleet_*/__init__.py)))
# Distributions the modules share (they never import each other): the host-file writers.
LIBS        := lib/components lib/hostfiles
LIB_PKGS    := lib/components/inferfleet_components lib/hostfiles/inferfleet_hostfiles

.PHONY: bootstrap plan plan-all test lint lint-types bench policies-check clean

bootstrap: $(VENV)/.installed $(OPA) $(ACTIONLINT) .tools/.system-deps

# Reinstall when any distribution's metadata changes.
$(VENV)/.installed: pyproject.toml $(wildcard modules/*/pyproject.toml) $(foreach lib,$(LIBS),$(lib)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(foreach lib,$(LIBS),-e $(lib)) $(foreach module,$(MODULES),-e $(module)) -e '.[dev]'
	touch $@

# OPA is built from the Go module proxy: no binary download is reachable here, the toolchain is.
# tools/opa is OPA's own command line at the version its go.mod pins (checked against go.sum), plus
# the gate's `inferfleet-eval` command. Static (CGO_ENABLED=0), like OPA's own "static" release: no
# dynamic loader or libc start-up that can die before Go's runtime reports anything (seen as a
# silent SIGSEGV at start under load).
$(OPA): $(OPA_SOURCES)
	mkdir -p $(TOOLS)
	cd tools/opa && CGO_ENABLED=0 go build -trimpath -o $(abspath $(OPA)) .
	$(OPA) version

# actionlint checks the GitHub workflows (tests/ci); built from the Go module proxy like OPA.
$(ACTIONLINT):
	mkdir -p $(TOOLS)
	GOBIN=$(abspath $(TOOLS)) GOFLAGS=-mod=mod go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	$(ACTIONLINT) --version

# The real cloud-init validates the rendered user-data against its own schema; Graphviz draws topologies.
.tools/.system-deps:
	@mkdir -p .tools
	@if ! command -v cloud-init >/dev/null 2>&1 || ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cloud-init graphviz >/dev/null; \
	  else \
	    echo "cloud-init or graphviz is missing: run 'sudo apt-get install cloud-init graphviz' (Debian/Ubuntu)" >&2; exit 2; \
	  fi; \
	fi
	@cloud-init --version
	@dot -V
	@touch $@

plan: bootstrap
	$(BIN)/inferfleet plan -s '$(STACK)' --out '$(OUT)/$(STACK).plan.json'
	$(BIN)/inferfleet gate '$(OUT)/$(STACK).plan.json' --sarif '$(OUT)/$(STACK).sarif' --junit '$(OUT)/$(STACK).junit.xml'

plan-all: bootstrap
	$(BIN)/inferfleet plan --all --out $(OUT)

policies-check: $(OPA)
	cd tools/opa && test -z "$$(gofmt -l .)" && go vet ./... && go test ./...
	$(OPA) fmt --list --fail policies/opa
	$(OPA) check --strict --bundle policies/opa
	$(OPA) test --bundle policies/opa

test: bootstrap policies-check
	$(BIN)/pytest -n 2 -q

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory lint-types

lint-types:
	$(BIN)/mypy inferfleet $(MODULE_PKGS) $(LIB_PKGS)

bench: bootstrap
	for bench in bench/plan_scale.py bench/gate_scale.py; do $(BIN)/python $$bench || exit 1; done

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
