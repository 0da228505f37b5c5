#!/usr/bin/env bash
# Write a saved Terraform plan, its JSON and a short Markdown summary for review in a pull request.
#
#   tools/tf-plan.sh [DIR]        (DIR defaults to terraform; `make plan` calls this)
#
# Writes DIR/plan/tfplan (the saved plan that tools/tf-apply.sh applies, and nothing else),
# DIR/plan/tfplan.json (`terraform show -json`) and DIR/plan/summary.md (counts of create/update/
# delete/replace and the addresses). Fails with one line when Terraform or AWS credentials are
# missing. Credentials are looked for where the AWS SDK finds them without network calls
# (environment, AWS_PROFILE, ~/.aws files, web identity, container credentials); on a runner
# that uses an instance role, set TF_SKIP_CREDENTIALS_CHECK=1. Errors from Terraform about
# credentials are also reduced to one line. TF_BACKEND_CONFIG=FILE passes a partial backend
# configuration to `terraform init`. TF_PLAN_LOCK=false plans without taking the state lock (for
# a plan role that may not write the lock; see docs/gitops.md).
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
    local first
    first="$(grep -m1 -E 'Error: ' "$log" | sed -E 's/^[^A-Za-z]*Error: *//' || true)"
    die "'terraform $sub' failed: ${first:-see the log} (details: $log)."
  fi
}

# The rest runs only when executed, not when sourced by tf-apply.sh (`source tf-plan.sh --lib`).
[[ "${1:-}" == "--lib" ]] && return 0

dir="${1:-terraform}"
[[ -d "$dir" ]] || die "no Terraform directory '$dir'."
require_terraform
require_credentials
mkdir -p "$dir/plan"

# Always init: it is quick when nothing changed, and a half-done earlier init is completed.
# TF_BACKEND_CONFIG names the partial backend configuration (see terraform/backend.tf.example).
if [[ -n "${TF_BACKEND_CONFIG:-}" ]]; then
  [[ -f "$TF_BACKEND_CONFIG" ]] || die "TF_BACKEND_CONFIG: no file '$TF_BACKEND_CONFIG'."
  run_tf "$dir" init "-backend-config=$(cd "$(dirname "$TF_BACKEND_CONFIG")" && pwd)/$(basename "$TF_BACKEND_CONFIG")"
else
  run_tf "$dir" init
fi
case "${TF_PLAN_LOCK:-}" in
  "") run_tf "$dir" plan -out=plan/tfplan ;;
  true | false) run_tf "$dir" plan -out=plan/tfplan "-lock=$TF_PLAN_LOCK" ;;
  *) die "TF_PLAN_LOCK must be true or false, not '$TF_PLAN_LOCK'." ;;
esac
TF_IN_AUTOMATION=1 terraform -chdir="$dir" show -no-color -json plan/tfplan >"$dir/plan/tfplan.json" ||
  die "'terraform show -json' failed for $dir/plan/tfplan."

python3 - "$dir/plan/tfplan.json" "$dir/plan/summary.md" <<'PY'
"""Summarise a `terraform show -json` plan: counts per action and the addresses."""
import json
import sys

plan = json.load(open(sys.argv[1], encoding="utf-8"))
groups = {"create": [], "update": [], "replace": [], "delete": []}
for change in plan.get("resource_changes", []):
    actions = change["change"]["actions"]
    if "create" in actions and "delete" in actions:
        kind = "replace"
    elif actions in (["create"], ["update"], ["delete"]):
        kind = actions[0]
    else:
        continue  # no-op, read
    groups[kind].append(change["address"])
lines = ["# Terraform plan", ""]
lines.append("| " + " | ".join(groups) + " |")
lines.append("|" + " --- |" * len(groups))
lines.append("| " + " | ".join(str(len(v)) for v in groups.values()) + " |")
for kind, addresses in groups.items():
    if addresses:
        lines += ["", f"## {kind} ({len(addresses)})", ""]
        lines += [f"- `{a}`" for a in sorted(addresses)]
if not any(groups.values()):
    lines += ["", "No changes."]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("\n".join(lines) + "\n")
print(", ".join(f"{len(v)} to {k}" for k, v in groups.items()))
PY
echo "Plan saved: $dir/plan/tfplan (JSON: $dir/plan/tfplan.json, summary: $dir/plan/summary.md)"
