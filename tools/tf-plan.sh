#!/usr/bin/env bash
# Write a saved Terraform plan, its JSON and a short Markdown summary for review in a pull request.
#
#   tools/tf-plan.sh [DIR]        (DIR defaults to terraform; `make plan` calls this)
#
# Writes DIR/plan/tfplan (the saved plan that tools/tf-apply.sh applies, and nothing else),
# DIR/plan/.terraform.lock.hcl (the provider lock file the plan was made with, so that the apply,
# maybe on another runner, installs the same providers), DIR/plan/tfplan.json (`terraform show
# -json`) and DIR/plan/summary.md (tools/plan_summary.py: counts per action and the addresses).
# A plan that deletes or replaces a dataset group, schema, dataset or S3 bucket is refused (one
# line per resource, the saved plan removed, JSON and summary kept for review) unless
# ALLOW_DATA_LOSS=1. Fails with one line when Terraform, python3 or AWS credentials are
# missing. Credentials are looked for where the AWS SDK finds them without network calls
# (environment, AWS_PROFILE, ~/.aws files, web identity, container credentials); on a runner
# that uses an instance role, set TF_SKIP_CREDENTIALS_CHECK=1. Errors from Terraform about
# credentials are also reduced to one line. TF_BACKEND_CONFIG=FILE passes a partial backend
# configuration to `terraform init`. TF_PLAN_LOCK=false plans without taking the state lock (for
# a plan role that may not write the lock; see docs/gitops.md). When DIR/.terraform.lock.hcl
# exists (commit it), init runs with -lockfile=readonly: the plan uses exactly those providers.
set -euo pipefail

die() {
  echo "Error: $*" >&2
  exit 1
}

# The stacks' required_version. .venv/bin holds Terraform 1.0.3 for the offline checks (fmt, the
# locals harness) only; planning and applying need a newer Terraform ahead of it on PATH.
MIN_TERRAFORM="1.3.0"

require_terraform() {
  command -v terraform >/dev/null 2>&1 ||
    die "terraform not found on PATH: install Terraform >= $MIN_TERRAFORM."
  local version
  version="$(CHECKPOINT_DISABLE=1 terraform version 2>/dev/null | head -n1 |
    sed -nE 's/^Terraform v([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' || true)"
  # An unrecognised banner is left to Terraform's own required_version check.
  [[ -z "$version" ]] && return 0
  if [[ "$(printf '%s\n%s\n' "$MIN_TERRAFORM" "$version" | sort -V | head -n1)" != "$MIN_TERRAFORM" ]]; then
    die "terraform $version on PATH is older than $MIN_TERRAFORM, which the stacks require: put Terraform >= $MIN_TERRAFORM ahead of .venv/bin on PATH (its 1.0.3 is only for the offline checks)."
  fi
}

require_credentials() {
  [[ "${TF_SKIP_CREDENTIALS_CHECK:-}" == "1" ]] && return 0
  [[ -n "${AWS_ACCESS_KEY_ID:-}" && -n "${AWS_SECRET_ACCESS_KEY:-}" ]] && return 0
  [[ -n "${AWS_PROFILE:-}" || -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]] && return 0
  [[ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ]] && return 0
  local home="${HOME:-/nonexistent}"
  [[ -s "${AWS_SHARED_CREDENTIALS_FILE:-$home/.aws/credentials}" ]] && return 0
  [[ -s "${AWS_CONFIG_FILE:-$home/.aws/config}" ]] && return 0
  die "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or TF_SKIP_CREDENTIALS_CHECK=1 on an instance role)."
}

# run_tf DIR SUBCOMMAND ARGS...: run terraform non-interactively in DIR, output in
# DIR/plan/SUBCOMMAND.log; on failure print one line (credential problems named as such).
run_tf() {
  local dir="$1" sub="$2"
  shift 2
  local log="$dir/plan/$sub.log"
  if ! TF_IN_AUTOMATION=1 terraform -chdir="$dir" "$sub" -input=false -no-color "$@" >"$log" 2>&1; then
    if grep -Eqi 'no valid credential sources|InvalidClientTokenId|ExpiredToken|SignatureDoesNotMatch|failed to refresh cached credentials|UnrecognizedClientException|NoCredentialProviders' "$log"; then
      die "AWS rejected or could not find credentials during 'terraform $sub' (details: $log)."
    fi
    # A read-only lock file that no longer fits the configuration (a provider added or its
    # version constraint changed): updating it is a reviewed change, not something CI does.
    if [[ "$sub" == init ]] && grep -Eq 'Provider dependency changes detected|does not match configured version constraint' "$log"; then
      die "the providers the configuration requires differ from $dir/.terraform.lock.hcl: run 'terraform -chdir=$dir init -upgrade', review and commit the lock file (details: $log)."
    fi
    local first
    first="$(grep -m1 -E 'Error: ' "$log" | sed -E 's/^[^A-Za-z]*Error: *//' || true)"
    die "'terraform $sub' failed: ${first:-see the log} (details: $log)."
  fi
}

# backend_config_args: the -backend-config argument for TF_BACKEND_CONFIG (none when unset),
# as an absolute path because terraform runs with -chdir. Fills the array BACKEND_ARGS.
backend_config_args() {
  BACKEND_ARGS=()
  [[ -z "${TF_BACKEND_CONFIG:-}" ]] && return 0
  [[ -f "$TF_BACKEND_CONFIG" ]] || die "TF_BACKEND_CONFIG: no file '$TF_BACKEND_CONFIG'."
  BACKEND_ARGS=("-backend-config=$(cd "$(dirname "$TF_BACKEND_CONFIG")" && pwd)/$(basename "$TF_BACKEND_CONFIG")")
}

# guard_settings: guard_args (an array) for tools/plan_summary.py from ALLOW_DATA_LOSS (1, or 0/unset).
guard_settings() {
  case "${ALLOW_DATA_LOSS:-}" in
    "" | 0) guard_args=() ;;
    1) guard_args=(--allow-data-loss) ;;
    *) die "ALLOW_DATA_LOSS must be 1 (or unset), not '$ALLOW_DATA_LOSS'." ;;
  esac
}

# require_python: plan_summary.py (the summary and the data-loss guard) runs on the system python3.
require_python() {
  command -v python3 >/dev/null 2>&1 ||
    die "python3 not found on PATH: the plan is summarised and checked by tools/plan_summary.py."
}

# The rest runs only when executed, not when sourced by tf-apply.sh (`source tf-plan.sh --lib`).
[[ "${1:-}" == "--lib" ]] && return 0

dir="${1:-terraform}"
[[ -d "$dir" ]] || die "no Terraform directory '$dir'."
# Settings first: a typo must not cost a whole init and plan.
guard_settings
case "${TF_PLAN_LOCK:-}" in
  "") lock_args=() ;;
  true | false) lock_args=("-lock=$TF_PLAN_LOCK") ;;
  *) die "TF_PLAN_LOCK must be true or false, not '$TF_PLAN_LOCK'." ;;
esac
require_terraform
require_python
require_credentials
backend_config_args

plan="$dir/plan"
mkdir -p "$plan"
# Nothing from an earlier run may pass for this one's, least of all a saved plan that
# `make apply` would apply after this run failed or refused.
rm -f "$plan/tfplan" "$plan/.terraform.lock.hcl" "$plan/tfplan.json" "$plan/summary.md"
# The saved plan and its lock file exist only once the plan has passed every step below.
plan_ok=""
trap '[[ -n "$plan_ok" ]] || rm -f "$plan/tfplan" "$plan/.terraform.lock.hcl" "$plan/tfplan.json.tmp"' EXIT

# Always init: it is quick when nothing changed, and a half-done earlier init is completed.
# With a lock file (committed, as it should be), init may not change it: the plan is made with
# exactly the providers it names, and tf-apply.sh can install the same ones.
lock="$dir/.terraform.lock.hcl"
if [[ -f "$lock" ]]; then
  run_tf "$dir" init -lockfile=readonly ${BACKEND_ARGS[@]+"${BACKEND_ARGS[@]}"}
else
  run_tf "$dir" init ${BACKEND_ARGS[@]+"${BACKEND_ARGS[@]}"}
  [[ -f "$lock" ]] ||
    die "'terraform init' wrote no $lock: tools/tf-apply.sh needs the provider lock file the plan was made with."
  echo "terraform init wrote $lock: commit it, so that every plan and apply installs these providers."
fi
cp "$lock" "$plan/.terraform.lock.hcl"

run_tf "$dir" plan -out=plan/tfplan ${lock_args[@]+"${lock_args[@]}"}
TF_IN_AUTOMATION=1 terraform -chdir="$dir" show -no-color -json plan/tfplan >"$plan/tfplan.json.tmp" ||
  die "'terraform show -json' failed for $plan/tfplan."
mv "$plan/tfplan.json.tmp" "$plan/tfplan.json"

# The summary, and the data-loss guard: its "Error: " lines are on stderr already.
python3 "$(dirname "${BASH_SOURCE[0]}")/plan_summary.py" "$plan/tfplan.json" "$plan/summary.md" \
  ${guard_args[@]+"${guard_args[@]}"} || exit 1
plan_ok=1
echo "Plan saved: $plan/tfplan (JSON: $plan/tfplan.json, summary: $plan/summary.md, providers: $plan/.terraform.lock.hcl)"
