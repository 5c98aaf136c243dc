#!/usr/bin/env bash
# Operator script for Kong on VMs (README.md beside this file): the reusable workflows call it as
# `vm.sh <phase>` with the KONG_UPGRADE_* variables. It reaches each node over SSH, installs the
# version asked for with the node's own package manager (apt, or dnf/yum) and drives the systemd
# unit. One node at a time, so a start that fails stops before the next node.
#
# Packages: OSS `kong`, Enterprise `kong-enterprise-edition` (Kong/kong 3.4.2
# build/package/nfpm.yaml: package `kong` installs /lib/systemd/system/kong.service and conflicts
# with kong-enterprise-edition). The unit is `kong-enterprise-edition` where that package
# installed one, else `kong`.
#
# KONG_OPERATOR_CONFIG (environment variable of each environment, JSON):
#   {"nodes": ["kong@10.0.1.11", "kong@10.0.1.12"], "greenNodes": ["kong@10.0.2.11"],
#    "knownHosts": "10.0.1.11 ssh-ed25519 AAAA…\n10.0.1.12 ssh-ed25519 AAAA…"}
# KONG_SSH_KEY (secret): the private key. Hosts not in knownHosts are refused, never trusted.
set -euo pipefail

phase=${1:?usage: vm.sh <phase> (stop-old, stop-new, retire-blue, start-old, start-new, deploy-green)}
config=${KONG_UPGRADE_OPERATOR_CONFIG:?set the environment variable KONG_OPERATOR_CONFIG (JSON, see README.md)}
role=${KONG_UPGRADE_ROLE:-blue}
version=${KONG_UPGRADE_VERSION:-}
# Checked before it goes into a remote command line.
[[ -z $version || $version =~ ^[0-9]+(\.[0-9]+){2,3}$ ]] || { echo "not a Kong version: $version" >&2; exit 2; }

case $phase in
  stop-old | stop-new | retire-blue) action=stop ;;
  start-old | start-new | deploy-green) action=install-and-start ;;
  *) echo "vm.sh: unknown phase '$phase'" >&2; exit 2 ;;
esac
if [[ $action == install-and-start && -z $version ]]; then echo "vm.sh: $phase needs KONG_UPGRADE_VERSION" >&2; exit 2; fi

# Enterprise: the edition the plan found, or a four-part version (2.8.4.14, 3.4.3.5).
package=kong
if [[ ${KONG_UPGRADE_EDITION:-} == enterprise || $version =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then package=kong-enterprise-edition; fi

mapfile -t nodes < <(jq -r --arg role "$role" 'if $role == "green" then .greenNodes else .nodes end | .[]?' <<<"$config")
(( ${#nodes[@]} > 0 )) || { echo "vm.sh: KONG_OPERATOR_CONFIG lists no ${role} nodes" >&2; exit 2; }

work=$(mktemp -d)
trap 'ssh-agent -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
jq -r '.knownHosts // empty' <<<"$config" > "$work/known_hosts"
[[ -s $work/known_hosts ]] || { echo "vm.sh: KONG_OPERATOR_CONFIG has no knownHosts: unknown host keys are never accepted" >&2; exit 2; }
eval "$(ssh-agent -s)" >/dev/null
ssh-add - <<<"${KONG_UPGRADE_SSH_KEY:?the secret KONG_SSH_KEY is empty}" 2>/dev/null

# Runs on the node (sh -s): the unit, the package manager, then the phase. Values come as arguments.
remote='set -eu
action=$1 package=$2 version=$3
unit=kong
systemctl list-unit-files kong-enterprise-edition.service >/dev/null 2>&1 && [ "$package" = kong-enterprise-edition ] && unit=kong-enterprise-edition
if [ "$action" = stop ]; then sudo systemctl stop "$unit"; exit 0; fi
if command -v apt-get >/dev/null; then
  sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades "$package=$version"
elif command -v dnf >/dev/null; then
  sudo dnf install -y "$package-$version" || sudo dnf downgrade -y "$package-$version"
else
  sudo yum install -y "$package-$version" || sudo yum downgrade -y "$package-$version"
fi
systemctl list-unit-files kong-enterprise-edition.service >/dev/null 2>&1 && [ "$package" = kong-enterprise-edition ] && unit=kong-enterprise-edition
sudo systemctl restart "$unit"
sudo systemctl is-active --quiet "$unit"
kong version'

for node in "${nodes[@]}"; do
  [[ $node =~ ^[A-Za-z0-9._-]+@[A-Za-z0-9.:-]+$ ]] || { echo "vm.sh: not user@host: $node" >&2; exit 2; }
  echo "$phase on $node: $action ${version:+$package $version}"
  # The remote script on stdin, its arguments checked above: no value is ever parsed as code there.
  ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$work/known_hosts" "$node" \
    sh -s -- "$action" "$package" "${version:-none}" <<<"$remote"
done
