#!/usr/bin/env bash
# Builds the import fuzz targets with clang's libFuzzer (+ASan/UBSan) and
# runs each for a bounded time on its seed corpus (tests/fuzz/corpus/).
#   tests/fuzz/run_fuzz.sh BUILD_DIR [SECONDS_PER_TARGET]
# Exits non-zero on any finding. Needs clang (scripts/install-deps --test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
out=$1
seconds=${2:-15}
mkdir -p "$out/obj"
cxx=${CLANGXX:-clang++}
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I"$src" $(pkg-config --cflags libutf8proc))
sources=(base/status.cc base/text.cc model/schema.cc model/validate.cc figures/names.cc
         importer/csv_reader.cc importer/mapping.cc importer/columns.cc importer/ucdp.cc
         importer/acled.cc importer/hxl.cc importer/places.cc)
objs=()
for s in "${sources[@]}"; do
  o="$out/obj/$(echo "$s" | tr / _).o"
  if [[ ! -f "$o" || "$src/$s" -nt "$o" ]]; then
    "$cxx" "${flags[@]}" -c "$src/$s" -o "$o" &
  fi
  objs+=("$o")
  # Two compilers at a time at most.
  while [[ $(jobs -r | wc -l) -ge 2 ]]; do wait -n; done
done
wait
for target in csv ucdp-ged acled hxl-csv; do
  format=$target
  [[ $target == csv ]] && format=""
  bin="$out/fuzz_$target"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer -DDALIL_FUZZ_FORMAT="\"$format\"" \
    "$here/import_fuzz.cc" "${objs[@]}" $(pkg-config --libs libutf8proc) -o "$bin"
  corpus="$out/corpus_$target"
  mkdir -p "$corpus"
  cp -n "$here/corpus/$target/"* "$corpus/" 2>/dev/null || true
  echo "== fuzz $target for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=1024 -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
  test "${PIPESTATUS[0]}" -eq 0
done
echo "== fuzzing found nothing"
