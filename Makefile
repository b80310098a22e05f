# LossLab: `make run` opens the explorer, `make test` runs every test. Both install the
# system packages they need first.
SWIFT ?= swift
SYSTEM_PACKAGES := libopenblas-dev libncursesw5-dev zlib1g-dev pkg-config tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test test-cli test-e2e test-lessons test-fuzz fuzz-long bench clean

deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

run: build
	.build/release/losslab

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) test-cli
	$(MAKE) test-e2e
	$(MAKE) test-lessons
	$(MAKE) test-fuzz

# The command line end to end, on the debug build the tests just made: exit codes and
# messages, every writer against every kind of destination, bad input.
test-cli:
	bash Tests/cli/run.sh .build/debug/losslab
	bash Tests/cli/writes.sh .build/debug/losslab
	bash Tests/cli/robustness.sh .build/debug/losslab

# The explorer in tmux: keys, resize, quit, signals, journal restore.
test-e2e:
	bash Tests/e2e/explorer.sh .build/debug/losslab

# Every lesson notebook, with its expectations checked.
test-lessons:
	bash samples/lessons/check_all.sh .build/debug/losslab

FUZZ_SECONDS ?= 10
# libFuzzer + ASan over the file readers, the command parser and sessions (docs/RELIABILITY.md).
test-fuzz:
	bash Fuzz/run.sh $(FUZZ_SECONDS)

fuzz-long:
	bash Fuzz/run.sh 3600

bench: build
	.build/release/losslab bench

clean:
	rm -rf .build .build-fuzz
