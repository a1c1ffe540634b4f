# vpcemu: `make run` shows the seed scenarios, `make test` runs the whole suite.
# Both install everything first (Debian packages when missing, then a virtualenv).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEBIAN_PACKAGES = gcc python3-dev python3-venv
# Tests read captures back with tshark; `vpcemu graph --format png` draws with Graphviz's dot.
DEBIAN_PACKAGES += tshark graphviz
# The namespace lab's tests run real programs in its hosts (`vpcemu lab`, tests/lab/).
DEBIAN_PACKAGES += iproute2 iputils-ping curl bind9-dnsutils

SEEDS = topologies/seed-endpoints.yaml topologies/seed-cross-region.yaml topologies/seed-privatelink.yaml

.PHONY: run test bench install system-packages clean

run: install
	$(BIN)/vpcemu demo $(SEEDS)
	@echo "## A principal the endpoint service does not allow cannot find it (R58)"
	$(BIN)/vpcemu services topologies/seed-privatelink.yaml --principal arn:aws:iam::444455556666:root

test: install system-packages  # packages added since the virtualenv was made (tshark) are installed too
	$(BIN)/python -m pytest

# Benchmarks also need trafgen (the kernel baseline) and iperf3 (the lab's TCP figure).
bench: install
	$(MAKE) system-packages DEBIAN_PACKAGES="$(DEBIAN_PACKAGES) netsniff-ng iperf3"
	$(BIN)/python benchmarks/lab.py
	$(BIN)/python benchmarks/run.py

install: $(STAMP)

$(STAMP): pyproject.toml
	$(MAKE) system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# pytricia builds from source: it needs a C compiler and Python headers. tshark asks whether
# non-root users may capture: preseeded "no", so the install never prompts.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
