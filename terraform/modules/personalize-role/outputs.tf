output "role_arn" {
  description = "ARN of the IAM role (arn:PARTITION:iam::ACCOUNT:role/NAME), passed to Personalize jobs."
  value       = aws_iam_role.this.arn
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
