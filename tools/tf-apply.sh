#!/usr/bin/env bash
# Apply the plan saved by tools/tf-plan.sh, and only that plan.
#
#   tools/tf-apply.sh [DIR]       (DIR defaults to terraform; `make apply` calls this)
#
# Refuses to run without DIR/plan/tfplan: nothing is planned and applied in one step. Terraform
# itself refuses a plan whose state has changed since it was made (re-run `make plan`). The plan
# file is removed after a successful apply so that it cannot be applied twice; the JSON and the
# summary stay for the record. See docs/gitops.md.
set -euo pipefail
# shellcheck source=tools/tf-plan.sh
source "$(dirname "${BASH_SOURCE[0]}")/tf-plan.sh" --lib

dir="${1:-terraform}"
[[ -d "$dir" ]] || die "no Terraform directory '$dir'."
require_terraform
[[ -f "$dir/plan/tfplan" ]] || die "no saved plan at $dir/plan/tfplan: run 'make plan' and review it first."
require_credentials

run_tf "$dir" apply plan/tfplan
rm -f "$dir/plan/tfplan"
echo "Applied $dir/plan/tfplan (log: $dir/plan/apply.log)."
