#!/usr/bin/env bash
# Runs a command against a core built with FASTERAPI_SANITIZE=ON (ASan + UBSan) from an
# interpreter that was not: the ASan runtime has to come first in the process, and
# libstdc++ with it (else ASan cannot intercept C++ throws and aborts on the first one).
set -euo pipefail
asan="$(${CC:-gcc} -print-file-name=libasan.so)"
stdcxx="$(${CXX:-g++} -print-file-name=libstdc++.so)"
export LD_PRELOAD="$asan $stdcxx${LD_PRELOAD:+ $LD_PRELOAD}"
# Leaks: CPython keeps objects alive at exit by design; errors of any other kind stop the run.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$@"
