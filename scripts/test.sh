#!/usr/bin/env bash
# The one command that runs the whole test suite (`npm test`). On a fresh Debian machine with
# only Node and npm it installs what the tests need first, each step skipped when already done:
#   - Node 24 (vitest 5 needs it) from the npm registry's `node` package into .tools/node24,
#   - PostgreSQL server + client, nginx, haproxy and openssh-server from apt (tests start their own
#     throwaway servers),
#   - the project's node_modules via `npm ci` when package-lock.json changed.
# Then it builds dist/ from src/ (`npm run build`, seconds), so the tests that run the bundles as
# the runner does (actions, CLI, rehearsals) test what src/ says now, never a stale bundle.
# Upstream Kong files the tests parse come from scripts/kong-data.mjs (KONG_DATA_DIR,
# shared/kong-data beside the checkout, or .cache/kong-data filled by `npm run kong-data`); the tests that need a
# missing one are skipped and named. The run ends with one line
# `tests: N passed, M failed[, K skipped]` (test/reporters/summary-line.ts).
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh test/lib        # extra arguments go to `vitest run`
#   bash scripts/test.sh --project integration   # one kind (vitest.config.ts; npm run test:unit needs no setup)
#   bash scripts/test.sh --setup-only    # install only (used by .ci/run)
#   bash scripts/test.sh --busy=2        # the same run while 2 CPU-bound loops keep the cores
#                                        # busy (a test that passes only on an idle machine is
#                                        # broken); the loops end with the run, or after an hour
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NODE_PIN="24.21.0"
NODE_DIR="$ROOT/.tools/node24"

log() { echo "test.sh: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [[ $(node_major) -ge 24 ]]; then return; fi
  local bin="$NODE_DIR/node_modules/.bin"
  if [[ ! -x "$bin/node" ]] || [[ $("$bin/node" -v 2>/dev/null) != "v$NODE_PIN" ]]; then
    log "installing node@$NODE_PIN into .tools/node24 (machine has $(node -v 2>/dev/null || echo none))"
    mkdir -p "$NODE_DIR"
    # The `node` package ships the real binary inside a registry package, so this works where
    # only the npm registry is reachable.
    npm install --prefix "$NODE_DIR" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node@$NODE_PIN" >&2
  fi
  export PATH="$bin:$PATH"
  hash -r
}

# Debian's PostgreSQL binaries live in /usr/lib/postgresql/<major>/bin, not on PATH.
have_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && command -v psql >/dev/null
}
have_nginx() { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }
have_haproxy() { command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]]; }
# sshd and ssh: promote's nginx-over-SSH tests run sshd on hosts made of network namespaces (ip).
have_ssh() { [[ -x /usr/sbin/sshd ]] && command -v ssh >/dev/null && command -v ip >/dev/null; }

ensure_system_packages() {
  local missing=()
  have_postgres || missing+=(postgresql postgresql-client)
  have_nginx || missing+=(nginx)
  have_haproxy || missing+=(haproxy)
  have_ssh || missing+=(openssh-server openssh-client iproute2)
  if [[ ${#missing[@]} -eq 0 ]]; then return; fi
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' postinst from starting system services: tests start their own servers on
  # free ports, and a system nginx/PostgreSQL would only hold ports 80/5432 and memory.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  local status=0
  as_root apt-get update -qq >&2 &&
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
  if [[ $added_policy -eq 1 ]]; then as_root rm -f "$policy"; fi
  return "$status"
}

ensure_npm_deps() {
  local stamp="node_modules/.ci-stamp"
  # node_modules matches the lock and the Node major it was installed with.
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1) node$(node_major)"
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return; fi
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
}

ensure_node
ensure_system_packages
ensure_npm_deps

if [[ ${1:-} == "--setup-only" ]]; then exit 0; fi

busy=0
if [[ ${1:-} =~ ^--busy=([0-9]+)$ ]]; then
  busy=${BASH_REMATCH[1]}
  shift
fi

log "npm run build"
npm run build --silent >&2

# The default reporter for the details, then our one closing line; nothing may print after it.
vitest_args=(run --reporter=default --reporter=./test/reporters/summary-line.ts "$@")
if [[ $busy -eq 0 ]]; then exec node_modules/.bin/vitest "${vitest_args[@]}"; fi

log "keeping $busy CPU-bound loop(s) busy during the run"
busy_pids=()
for ((i = 0; i < busy; i++)); do
  timeout 3600 node -e 'for (;;) {}' &
  busy_pids+=("$!")
done
trap 'kill "${busy_pids[@]}" 2>/dev/null || true' EXIT
node_modules/.bin/vitest "${vitest_args[@]}"
