# vpcemu: `make run` shows the seed scenarios, `make test` runs the whole suite.
# Each installs what it needs first (Debian packages when missing, then a virtualenv): `run` only
# what the demonstrations need, `test` adds what the tests need. Each has its own stamp.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUN_STAMP  = $(VENV)/.installed-run
TEST_STAMP = $(VENV)/.installed-test
# pytricia builds from source (a C compiler, Python's headers); the virtualenv needs python3-venv.
RUN_DEBIAN_PACKAGES = gcc python3-dev python3-venv
# Tests read captures back with tshark; `vpcemu graph --format png` draws with Graphviz's dot.
TEST_DEBIAN_PACKAGES = $(RUN_DEBIAN_PACKAGES) tshark graphviz
# The namespace lab's tests (tests/lab/) and the README's lab commands run real programs in its hosts;
# the README's examples also use gzip's zcat.
TEST_DEBIAN_PACKAGES += iproute2 iputils-ping curl bind9-dnsutils gzip
DEBIAN_PACKAGES ?= $(TEST_DEBIAN_PACKAGES)

SEEDS = topologies/seed-endpoints.yaml topologies/seed-cross-region.yaml topologies/seed-privatelink.yaml

.PHONY: run test fuzz bench install install-test system-packages clean

run: install
	$(BIN)/vpcemu demo $(SEEDS)
	@echo "## A principal the endpoint service does not allow cannot find it (R58)"
	$(BIN)/vpcemu services topologies/seed-privatelink.yaml --principal arn:aws:iam::444455556666:root

test: install-test
	$(BIN)/python -m pytest

# Hostile input, at length: the property-based mutation tests of tests/fuzz with hundreds of examples each.
fuzz: install-test
	$(BIN)/python -m pytest -m fuzz tests/fuzz

# Benchmarks also need trafgen (the kernel baseline) and iperf3 (the lab's TCP figure).
bench: install-test
	$(MAKE) system-packages DEBIAN_PACKAGES="$(TEST_DEBIAN_PACKAGES) netsniff-ng iperf3"
	$(BIN)/python benchmarks/lab.py
	$(BIN)/python benchmarks/run.py

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)
	@$(MAKE) --no-print-directory system-packages DEBIAN_PACKAGES="$(TEST_DEBIAN_PACKAGES)"  # any added since

# Editable installs: the checkout is what runs, so an edit needs no reinstall.
$(RUN_STAMP): pyproject.toml
	$(MAKE) system-packages DEBIAN_PACKAGES="$(RUN_DEBIAN_PACKAGES)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(RUN_STAMP) pyproject.toml
	$(MAKE) system-packages DEBIAN_PACKAGES="$(TEST_DEBIAN_PACKAGES)"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# tshark asks whether non-root users may capture: preseeded "no", so the install never prompts.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
