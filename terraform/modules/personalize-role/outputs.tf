output "role_arn" {
  description = "ARN of the IAM role (arn:PARTITION:iam::ACCOUNT:role/NAME), passed to Personalize jobs. Known only once the role's permissions policy is attached."
  value       = aws_iam_role.this.arn

  # Whoever passes this ARN to Personalize (a dataset group with a KMS key, an import job) must
  # wait for the role's permissions, not only for the role: the ARN alone exists earlier.
  depends_on = [aws_iam_role_policy.this]
}

output "role_name" {
  description = "Name of the IAM role."
  value       = aws_iam_role.this.name
}

output "trust_policy_json" {
  description = "The role's trust policy document (JSON)."
  value       = data.aws_iam_policy_document.trust.json
}

output "policy_json" {
  description = "The role's inline permissions policy document (JSON)."
  value       = data.aws_iam_policy_document.this.json
}
