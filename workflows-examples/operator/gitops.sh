#!/usr/bin/env bash
# Operator script for Kong Helm releases applied by GitOps (Argo CD, Flux): instead of running
# `helm upgrade`, a phase that starts a version writes the image bump (and the pinned chart
# version) to the values files in your GitOps repository, as a pull request to be merged or a
# push straight to the branch, then waits until the release's pods run that version. The
# workflow's gates stay where they are: the plan, the backup and the rehearsal before the
# production job; its smoke checks after this phase. README.md beside this file.
#
# KONG_OPERATOR_CONFIG (environment variable of each environment, JSON):
#   {"namespace": "kong", "release": "kong", "greenRelease": "kong-green",
#    "gitops": {"repository": "acme/platform-deploy", "branch": "main", "mode": "pull-request",
#               "valuesFile": "apps/kong/values.yaml", "greenValuesFile": "apps/kong-green/values.yaml",
#               "releases": {"kong-dp-eu": "apps/kong-dp-eu/values.yaml"},
#               "chartVersion": "2.38.0", "chartFile": "apps/kong/helmrelease.yaml", "chartKey": "spec.chart.spec.version",
#               "mergeTimeout": 86400, "rolloutTimeout": 900, "pollSeconds": 30}}
# repository: owner/name on GitHub, or a git URL. mode: pull-request (default; opened with gh,
# then waited for until merged) or push. releases: for roll-batch / revert-batch, each node of
# KONG_UPGRADE_BATCH is a release, with its values file. chartFile/chartKey: where the chart
# version is pinned (a Flux HelmRelease's spec.chart.spec.version, an Argo CD Application's
# spec.source.targetRevision); without chartVersion the chart is left as it is.
# Secrets: KONG_UPGRADE_GITOPS_TOKEN (a token that may push and open pull requests; given to git
# and gh through a credential helper and GH_TOKEN, never on a command line) and
# KONG_UPGRADE_KUBECONFIG (read access to the release's Deployments, for the wait).
#
# Phases that stop nodes are not done here: a scale-down made outside git is undone by the GitOps
# controller's next reconciliation (Argo CD self-heal, Flux). Use the rolling or blue-green
# strategies, whose phases start versions, or helm.sh.
set -euo pipefail

phase=${1:?usage: gitops.sh <phase> (start-new, start-old, deploy-green, roll-batch, revert-batch)}
config=${KONG_UPGRADE_OPERATOR_CONFIG:?set the environment variable KONG_OPERATOR_CONFIG (JSON, see README.md)}
setting() { jq -r --arg key "$1" '.[$key] // empty' <<<"$config"; }
gitops() { jq -r --arg key "$1" '.gitops[$key] // empty' <<<"$config"; }
namespace=$(setting namespace)
repository=$(gitops repository)
branch=$(gitops branch)
mode=$(gitops mode)
mode=${mode:-pull-request}
chart_version=$(gitops chartVersion)
poll=$(gitops pollSeconds)
poll=${poll:-30}
version=${KONG_UPGRADE_VERSION:-}

case $phase in
  start-new | start-old | deploy-green | roll-batch | revert-batch) ;;
  stop-old | stop-new | retire-blue)
    echo "gitops.sh: $phase is not done through GitOps (the controller would undo a scale-down made outside git): use the rolling or blue-green strategy, or helm.sh" >&2
    exit 2 ;;
  *)
    echo "gitops.sh: unknown phase '$phase'" >&2
    exit 2 ;;
esac
[[ -n $namespace && -n $repository && -n $branch ]] || { echo "gitops.sh: KONG_OPERATOR_CONFIG needs namespace, gitops.repository and gitops.branch" >&2; exit 2; }
[[ $mode == pull-request || $mode == push ]] || { echo "gitops.sh: gitops.mode must be pull-request or push, not '$mode'" >&2; exit 2; }
[[ $version =~ ^[0-9]+(\.[0-9]+){2,3}$ ]] || { echo "gitops.sh: not a Kong version: '$version'" >&2; exit 2; }
[[ -z $chart_version || $chart_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "gitops.sh: gitops.chartVersion must be an exact chart version like 2.38.0" >&2; exit 2; }
[[ $poll =~ ^[0-9]+$ ]] || { echo "gitops.sh: gitops.pollSeconds must be a number" >&2; exit 2; }
[[ -n ${KONG_UPGRADE_KUBECONFIG:-} ]] || { echo "gitops.sh: no cluster credentials for the wait: set the secret KONG_KUBECONFIG" >&2; exit 2; }
# Images (chart values.yaml): OSS kong:<tag>, Enterprise kong/kong-gateway:<tag>.
image=kong
if [[ ${KONG_UPGRADE_EDITION:-} == enterprise || $version =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then image=kong/kong-gateway; fi

# The releases this phase changes, each with its values file.
targets=()
if [[ $phase == roll-batch || $phase == revert-batch ]]; then
  while IFS= read -r node; do
    file=$(jq -r --arg node "$node" '.gitops.releases[$node] // empty' <<<"$config")
    [[ -n $file ]] || { echo "gitops.sh: batch node '$node' is not in gitops.releases" >&2; exit 2; }
    targets+=("$node=$file")
  done < <(jq -r '.[]' <<<"${KONG_UPGRADE_BATCH:?roll-batch needs KONG_UPGRADE_BATCH}")
elif [[ ${KONG_UPGRADE_ROLE:-blue} == green ]]; then
  targets+=("$(setting greenRelease)=$(gitops greenValuesFile)")
else
  targets+=("$(setting release)=$(gitops valuesFile)")
fi
for target in "${targets[@]}"; do
  [[ $target =~ ^[a-z0-9][a-z0-9.-]*=[^=]+$ ]] || { echo "gitops.sh: KONG_OPERATOR_CONFIG names no release and values file for this phase ($target)" >&2; exit 2; }
  [[ ${target#*=} != /* && ${target#*=} != *..* ]] || { echo "gitops.sh: values file '${target#*=}' must be a path inside the GitOps repository" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KUBECONFIG=$work/kubeconfig
printf '%s\n' "$KONG_UPGRADE_KUBECONFIG" > "$KUBECONFIG"
chmod 600 "$KUBECONFIG"
# The token reaches git through a helper that reads it from the environment, gh through GH_TOKEN.
export GH_TOKEN=${KONG_UPGRADE_GITOPS_TOKEN:-}
git_() { git -c credential.helper= -c 'credential.helper=!f() { echo username=x-access-token; echo "password=$KONG_UPGRADE_GITOPS_TOKEN"; }; f' "$@"; }
url=$repository
[[ $url == *://* || $url == *@*:* || $url == /* ]] || url=https://github.com/$repository.git

# set_value FILE KEY.PATH VALUE: replaces the scalar at a block-style key path, keeping comments
# and everything else; exactly one match, else the file is left alone and the phase fails.
set_value() {
  awk -v path="$2" -v value="\"$3\"" '
    /^---/ { depth = 0 }
    match($0, /^ *[A-Za-z0-9_.-]+:/) {
      indent = match($0, /[^ ]/) - 1
      key = $0; sub(/^ */, "", key); sub(/:.*/, "", key)
      while (depth > 0 && indents[depth] >= indent) depth--
      keys[++depth] = key; indents[depth] = indent
      joined = keys[1]; for (i = 2; i <= depth; i++) joined = joined "." keys[i]
      rest = substr($0, indent + length(key) + 2)
      if (joined == path && rest ~ /^ +[^ #]/) {
        comment = ""; if (match(rest, / +#.*$/)) comment = substr(rest, RSTART)
        $0 = substr($0, 1, indent) key ": " value comment; found++
      }
    }
    { print }
    END { exit found == 1 ? 0 : 3 }' "$1" > "$1.new" || { rm -f "$1.new"; echo "gitops.sh: $1 has no single $2 to set (write it once by hand, e.g. $2: \"$3\")" >&2; return 2; }
  mv "$1.new" "$1"
}

echo "gitops.sh $phase: $image:$version for ${targets[*]} in $repository ($branch, $mode)"
git_ clone --quiet --depth 1 --branch "$branch" "$url" "$work/repo"
cd "$work/repo"
for target in "${targets[@]}"; do
  file=${target#*=}
  [[ -f $file ]] || { echo "gitops.sh: $file is not in $repository ($branch)" >&2; exit 2; }
  set_value "$file" image.repository "$image"
  set_value "$file" image.tag "$version"
done
if [[ -n $chart_version ]]; then
  chart_file=$(gitops chartFile)
  chart_key=$(gitops chartKey)
  [[ -n $chart_file && -n $chart_key ]] || { echo "gitops.sh: gitops.chartVersion needs gitops.chartFile and gitops.chartKey" >&2; exit 2; }
  set_value "$chart_file" "$chart_key" "$chart_version"
fi

releases=()
for target in "${targets[@]}"; do releases+=("${target%%=*}"); done
if git diff --quiet; then
  echo "The GitOps repository already has $image:$version for ${releases[*]}: nothing to commit"
else
  run=""
  [[ -z ${GITHUB_RUN_ID:-} ]] || run="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
  title="Kong ${releases[*]}: $version (${KONG_UPGRADE_STRATEGY:-upgrade} $phase, ${KONG_UPGRADE_ENVIRONMENT:-})"
  body="Written by the Kong upgrade workflow after its gates (plan, backup, rehearsal). ${run}"
  git_ -c user.name=kong-upgrade -c user.email=kong-upgrade@users.noreply.github.com commit --quiet -am "$title" -m "$body"
  if [[ $mode == push ]]; then
    git_ push --quiet origin "HEAD:$branch"
  else
    head="kong-upgrade/${releases[0]}-$version-$phase-${GITHUB_RUN_ID:-local}"
    git_ push --quiet origin "HEAD:refs/heads/$head"
    gh pr create --repo "$repository" --base "$branch" --head "$head" --title "$title" --body "$body"
    merge_timeout=$(gitops mergeTimeout)
    deadline=$((SECONDS + ${merge_timeout:-86400}))
    while state=$(gh pr view "$head" --repo "$repository" --json state --jq .state) && [[ $state != MERGED ]]; do
      [[ $state == OPEN ]] || { echo "gitops.sh: the pull request $head is $state, not merged: nothing was rolled out" >&2; exit 1; }
      (( SECONDS < deadline )) || { echo "gitops.sh: the pull request $head was not merged within ${merge_timeout:-86400} s" >&2; exit 1; }
      sleep "$poll"
    done
    echo "Pull request $head merged"
  fi
fi

# After: the GitOps controller applies the commit; wait until each release's Kong Deployments
# have the new image in their pod template and have rolled out.
rollout_timeout=$(gitops rolloutTimeout)
rollout_timeout=${rollout_timeout:-900}
deadline=$((SECONDS + rollout_timeout))
# Each line of $1 is deployment=image: all at the new image, and at least one.
at_version() {
  local line
  [[ -n $1 ]] || return 1
  while IFS= read -r line; do [[ ${line#*=} == "$image:$version" ]] || return 1; done <<<"$1"
}
for release in "${releases[@]}"; do
  selector="app.kubernetes.io/instance=$release,app.kubernetes.io/name=kong"
  until images=$(kubectl --namespace "$namespace" get deployment -l "$selector" -o jsonpath='{range .items[*]}{.metadata.name}={.spec.template.spec.containers[?(@.name=="proxy")].image}{"\n"}{end}') && at_version "$images"; do
    (( SECONDS < deadline )) || { echo "gitops.sh: release $release does not run $image:$version after $rollout_timeout s (its Deployments: ${images:-none}); is the GitOps controller syncing?" >&2; exit 1; }
    sleep "$poll"
  done
  while IFS== read -r deployment _; do
    kubectl --namespace "$namespace" rollout status "deployment/$deployment" --timeout="$((deadline - SECONDS > 0 ? deadline - SECONDS : 1))s"
  done <<<"$images"
  echo "Release $release runs $image:$version"
done
