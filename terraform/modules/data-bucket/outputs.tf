output "bucket_name" {
  description = "Name (ID) of the data bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the data bucket (arn:PARTITION:s3:::NAME)."
  value       = aws_s3_bucket.this.arn
}

output "data_prefix" {
  description = "Key prefix of the input data that Personalize may read, ending with a slash."
  value       = var.data_prefix
}

output "batch_output_prefix" {
  description = "Key prefix where Personalize may write batch inference output, or null when batch output is off."
  value       = var.enable_batch_output ? var.batch_output_prefix : null
}

output "policy_json" {
  description = "The bucket policy document (JSON) attached to the bucket."
  value       = data.aws_iam_policy_document.this.json
}
