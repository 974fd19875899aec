# The two commands of the README:
#   make run    install what is missing, build (Release), create ./dalil-data
#               with the demo dataset on first run, serve http://127.0.0.1:8080
#   make test   install what the tests need, build, run the whole suite
#               (Release and AddressSanitizer+UBSan builds) through CTest
DATA_DIR ?= dalil-data
ADDRESS ?= 127.0.0.1
PORT ?= 8080
JOBS ?= $(shell nproc)

.PHONY: run test build deps clean

deps:
	scripts/install-deps

build: deps
	cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDALIL_TESTS=OFF
	cmake --build build/release -j $(JOBS)

run: build
	@if [ ! -f "$(DATA_DIR)/dalil.db" ]; then \
	  build/release/src/cli/dalil --data-dir "$(DATA_DIR)" init && \
	  build/release/src/cli/dalil --data-dir "$(DATA_DIR)" demo; \
	fi
	build/release/src/cli/dalil --data-dir "$(DATA_DIR)" serve --address "$(ADDRESS)" --port "$(PORT)"

test:
	scripts/test

clean:
	rm -rf build
