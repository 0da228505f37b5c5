# TFLint configuration. Run from the repository root, once per module directory:
#   tflint --init && tflint --recursive --config "$(pwd)/.tflint.hcl"
# (TFLint is not installed by `make setup`; `make test` runs the offline checks in tests/terraform.)

config {
  # Lint module calls too (local modules are always inspected).
  call_module_type = "all"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.44.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

# Documentation and typing rules beyond the preset, as terraform-aws-modules use them.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_typed_variables" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}
