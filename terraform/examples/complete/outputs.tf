output "bucket_name" {
  description = "Name of the data bucket."
  value       = module.data_bucket.bucket_name
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.data_bucket.bucket_arn
}

output "data_prefix" {
  description = "Key prefix of the input data, ending with a slash."
  value       = module.data_bucket.data_prefix
}

output "personalize_role_arn" {
  description = "ARN of the IAM role Personalize assumes."
  value       = module.personalize_role.role_arn
}

output "dataset_group_arn" {
  description = "ARN of the dataset group."
  value       = module.dataset_group.dataset_group_arn
}

output "dataset_arns" {
  description = "Map of dataset type to dataset ARN."
  value       = module.dataset_group.dataset_arns
}

output "schema_arns" {
  description = "Map of dataset type to schema ARN."
  value       = module.dataset_group.schema_arns
}

output "batch_output_prefix" {
  description = "Key prefix where Personalize writes batch inference output."
  value       = module.data_bucket.batch_output_prefix
}

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key created by the example."
  value       = aws_kms_key.this.arn
}

output "filter_arns" {
  description = "Map of short filter name to filter ARN."
  value       = module.dataset_group.filter_arns
}

output "event_tracker_arn" {
  description = "ARN of the event tracker."
  value       = module.dataset_group.event_tracker_arn
}

output "event_tracking_id" {
  description = "Tracking ID that PutEvents requests carry."
  value       = module.dataset_group.event_tracking_id
}
