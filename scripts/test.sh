#!/usr/bin/env bash
# Runs the whole check (types, lint, format, tests). On Linux the tests use the real
# Secret Service: a private D-Bus session with an unlocked gnome-keyring and a throwaway
# HOME, so they never touch your own keychain or config.
set -euo pipefail
cd "$(dirname "$0")/.."

run_checks() {
  npm run typecheck
  npm run lint
  local status=0
  rm -f test-results/vitest.json
  npx vitest run "$@" || status=$?
  [[ -f test-results/vitest.json ]] && node scripts/test-summary.mjs test-results/vitest.json
  # The MCP conformance suite's auth scenarios against the built CLI; only for the whole run.
  if [[ $# -eq 0 ]]; then
    npx tsc -p tsconfig.build.json
    node scripts/conformance/run.mjs || status=$?
  fi
  return "$status"
}

if [[ "$(uname -s)" == "Linux" && -z "${GATEKEY_TEST_SESSION:-}" ]]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || {
      echo "scripts/test.sh: '$tool' is missing. Install: sudo apt-get install gnome-keyring dbus-x11 libsecret-tools" >&2
      exit 1
    }
  done
  test_home="$(mktemp -d -t gatekey-test-home.XXXXXX)"
  trap 'rm -rf "$test_home"' EXIT
  export GATEKEY_TEST_SESSION=1 HOME="$test_home" XDG_RUNTIME_DIR="$test_home/run"
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  exec_in_session='echo -n gatekey-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec bash scripts/test.sh "$@"'
  dbus-run-session -- bash -c "$exec_in_session" bash "$@"
  exit $?
fi

run_checks "$@"
