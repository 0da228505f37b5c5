#!/usr/bin/env bash
# Apply the plan saved by tools/tf-plan.sh, and only that plan, on this machine or another one.
#
#   tools/tf-apply.sh [DIR]       (DIR defaults to terraform; `make apply` calls this)
#
# Refuses to run without DIR/plan/tfplan: nothing is planned and applied in one step. The plan
# carries the provider lock file it was made with (DIR/plan/.terraform.lock.hcl); the apply
# refuses a plan without it or one whose lock file differs from a committed
# DIR/.terraform.lock.hcl, copies it to DIR when DIR has none, and then runs `terraform init
# -lockfile=readonly` with the same TF_BACKEND_CONFIG as the plan, so that a fresh runner installs
# exactly the providers the plan was made with. It checks the saved plan for data loss again
# (ALLOW_DATA_LOSS=1 lets it through, as for the plan). Terraform itself refuses a plan whose state has
# changed since it was made (re-run `make plan`). The plan file is removed after a successful
# apply so that it cannot be applied twice; the JSON and the summary stay for the record.
# See docs/gitops.md.
set -euo pipefail
# shellcheck source=tools/tf-plan.sh
source "$(dirname "${BASH_SOURCE[0]}")/tf-plan.sh" --lib

dir="${1:-terraform}"
[[ -d "$dir" ]] || die "no Terraform directory '$dir'."
guard_settings
require_terraform
require_python
[[ -f "$dir/plan/tfplan" ]] || die "no saved plan at $dir/plan/tfplan: run 'make plan' and review it first."
require_credentials
backend_config_args

planned_lock="$dir/plan/.terraform.lock.hcl"
lock="$dir/.terraform.lock.hcl"
[[ -f "$planned_lock" ]] ||
  die "no provider lock file beside the saved plan ($planned_lock): carry it with the plan ('make plan' writes it), or plan again."
if [[ -f "$lock" ]]; then
  cmp -s "$planned_lock" "$lock" ||
    die "$planned_lock (the providers the plan was made with) differs from $lock: plan again from this commit."
else
  cp "$planned_lock" "$lock"
  echo "Using the plan's provider lock file as $lock: commit it (see docs/gitops.md)."
fi

run_tf "$dir" init -lockfile=readonly ${BACKEND_ARGS[@]+"${BACKEND_ARGS[@]}"}

# The data-loss guard once more, on the saved plan itself: a plan that reached this machine
# another way (copied by hand, an older artifact) meets the rule `make plan` applies. Its
# "Error: " lines are on stderr already.
TF_IN_AUTOMATION=1 terraform -chdir="$dir" show -no-color -json plan/tfplan >"$dir/plan/apply-check.json" ||
  die "'terraform show -json' failed for $dir/plan/tfplan."
python3 "$(dirname "${BASH_SOURCE[0]}")/plan_summary.py" "$dir/plan/apply-check.json" \
  "$dir/plan/apply-summary.md" ${guard_args[@]+"${guard_args[@]}"} >/dev/null || exit 1

run_tf "$dir" apply plan/tfplan
rm -f "$dir/plan/tfplan"
echo "Applied $dir/plan/tfplan (log: $dir/plan/apply.log)."
