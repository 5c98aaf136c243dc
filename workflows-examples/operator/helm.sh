#!/usr/bin/env bash
# Operator script for Kong on Kubernetes with the Kong Helm chart (README.md beside this file):
# the reusable workflows call it as `helm.sh <phase>` with the KONG_UPGRADE_* variables.
#
# The chart's own migration Jobs stay off (migrations.preUpgrade=false, migrations.postUpgrade=false,
# and migrations.init=false on a first install): the migrate action runs `kong migrations` behind
# its gates, before this script starts the new version (Kong/charts charts/kong: the pre-upgrade
# Job runs `kong migrations up`, the post-upgrade Job `kong migrations finish`, the init Job
# `kong migrations bootstrap` on install). The chart version is pinned (chartVersion): the chart
# and Kong are upgraded independently (charts/kong/UPGRADE.md); only the image changes here.
#
# KONG_OPERATOR_CONFIG (environment variable of each environment, JSON):
#   {"namespace": "kong", "release": "kong", "greenRelease": "kong-green", "chartVersion": "2.38.0",
#    "greenValuesFile": "deploy/kong-green-values.yaml",
#    "oidc": {"server": "https://k8s.example:6443", "certificateAuthorityData": "LS0t…", "audience": "kubernetes"}}
# Cluster credentials, from the caller: the secret KONG_KUBECONFIG (a kubeconfig), or "oidc": the
# job's GitHub OIDC token presented to an API server that trusts token.actions.githubusercontent.com
# (the caller grants `id-token: write`). Replica counts are never written here: a stop records the
# Deployment's count in an annotation and a start restores it; a green release's first install
# starts from the blue release's values (`helm get values`), not the chart's defaults.
set -euo pipefail

phase=${1:?usage: helm.sh <phase> (stop-old, stop-new, retire-blue, start-old, start-new, deploy-green)}
config=${KONG_UPGRADE_OPERATOR_CONFIG:?set the environment variable KONG_OPERATOR_CONFIG (JSON, see README.md)}
setting() { jq -r --arg key "$1" '.[$key] // empty' <<<"$config"; }
namespace=$(setting namespace)
blue=$(setting release)
green=$(setting greenRelease)
chart_version=$(setting chartVersion)
version=${KONG_UPGRADE_VERSION:-}
[[ -n $namespace && -n $blue && -n $chart_version ]] || { echo "helm.sh: KONG_OPERATOR_CONFIG needs namespace, release and chartVersion" >&2; exit 2; }
[[ -z $version || $version =~ ^[0-9]+(\.[0-9]+){2,3}$ ]] || { echo "not a Kong version: $version" >&2; exit 2; }
release=$blue
[[ ${KONG_UPGRADE_ROLE:-blue} == green ]] && release=${green:?KONG_OPERATOR_CONFIG has no greenRelease}
# Images (chart values.yaml): OSS kong:<tag>, Enterprise kong/kong-gateway:<tag>.
image=kong
if [[ ${KONG_UPGRADE_EDITION:-} == enterprise || $version =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then image=kong/kong-gateway; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KUBECONFIG=$work/kubeconfig
if [[ -n ${KONG_UPGRADE_KUBECONFIG:-} ]]; then
  printf '%s\n' "$KONG_UPGRADE_KUBECONFIG" > "$KUBECONFIG"
elif [[ -n $(jq -r '.oidc.server // empty' <<<"$config") ]]; then
  : "${ACTIONS_ID_TOKEN_REQUEST_URL:?OIDC needs id-token: write in the calling workflow}"
  audience=$(jq -r '.oidc.audience // "kubernetes"' <<<"$config")
  token=$(curl -fsS -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$audience" | jq -r .value)
  echo "::add-mask::$token"
  jq -n --arg server "$(jq -r .oidc.server <<<"$config")" --arg ca "$(jq -r '.oidc.certificateAuthorityData // empty' <<<"$config")" --arg token "$token" '{
    apiVersion: "v1", kind: "Config", "current-context": "github",
    clusters: [{name: "k8s", cluster: ({server: $server} + (if $ca == "" then {} else {"certificate-authority-data": $ca} end))}],
    users: [{name: "github", user: {token: $token}}],
    contexts: [{name: "github", context: {cluster: "k8s", user: "github"}}]}' > "$KUBECONFIG"
else
  echo "helm.sh: no cluster credentials: set the secret KONG_KUBECONFIG or oidc in KONG_OPERATOR_CONFIG" >&2
  exit 2
fi
chmod 600 "$KUBECONFIG"

deployment() { kubectl --namespace "$namespace" get deployment -l "app.kubernetes.io/instance=$1,app.kubernetes.io/name=kong" -o name; }
stop() {
  local d
  d=$(deployment "$1")
  [[ -n $d ]] || { echo "no Kong Deployment of release $1"; return 0; }
  # Remember the count (the chart's, or the autoscaler's) for the start that follows.
  kubectl --namespace "$namespace" annotate --overwrite "$d" "kong-upgrade/replicas=$(kubectl --namespace "$namespace" get "$d" -o jsonpath='{.spec.replicas}')"
  kubectl --namespace "$namespace" scale "$d" --replicas=0
  kubectl --namespace "$namespace" rollout status "$d" --timeout=10m
}
restore_replicas() {
  local d count
  d=$(deployment "$1")
  count=$(kubectl --namespace "$namespace" get "$d" -o jsonpath='{.metadata.annotations.kong-upgrade/replicas}')
  if [[ -n $count ]]; then
    kubectl --namespace "$namespace" scale "$d" --replicas="$count"
    kubectl --namespace "$namespace" annotate "$d" kong-upgrade/replicas-
  fi
  kubectl --namespace "$namespace" rollout status "$d" --timeout=15m
}
no_chart_migrations=(--set migrations.preUpgrade=false --set migrations.postUpgrade=false)

helm repo add kong https://charts.konghq.com >/dev/null 2>&1 || true
helm repo update kong
case $phase in
  stop-old | stop-new | retire-blue)
    stop "$release" ;;
  start-old | start-new | deploy-green)
    [[ -n $version ]] || { echo "helm.sh: $phase needs KONG_UPGRADE_VERSION" >&2; exit 2; }
    if helm status "$release" --namespace "$namespace" >/dev/null 2>&1; then
      helm upgrade "$release" kong/kong --version "$chart_version" --namespace "$namespace" --reuse-values \
        --set image.repository="$image" --set image.tag="$version" "${no_chart_migrations[@]}" --wait --timeout 15m
    else
      [[ $phase == deploy-green ]] || { echo "helm.sh: release $release does not exist" >&2; exit 2; }
      # Green's first install: blue's values (database, plugins, TLS, resources), then green's own.
      helm get values "$blue" --namespace "$namespace" --output yaml > "$work/blue-values.yaml"
      extra=()
      green_values=$(setting greenValuesFile)
      [[ -z $green_values ]] || extra=(--values "$green_values")
      helm install "$release" kong/kong --version "$chart_version" --namespace "$namespace" \
        --values "$work/blue-values.yaml" "${extra[@]}" \
        --set image.repository="$image" --set image.tag="$version" "${no_chart_migrations[@]}" --set migrations.init=false \
        --wait --timeout 15m
    fi
    restore_replicas "$release" ;;
  *)
    echo "helm.sh: unknown phase '$phase'" >&2
    exit 2 ;;
esac
