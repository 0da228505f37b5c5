output "policy_json" {
  description = "IAM policy document (JSON string) for the identity that runs terraform apply and destroy of the root stack. Attach it as an inline policy or as the document of an aws_iam_policy."
  value       = data.aws_iam_policy_document.this.json
}

output "plan_policy_json" {
  description = "IAM policy document (JSON string), read-only subset of policy_json, for an identity that only runs terraform plan (refresh) of the root stack."
  value       = data.aws_iam_policy_document.plan.json
}
