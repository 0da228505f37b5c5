# Exactly the outputs of the contract in DESIGN.md (personalize_movielens.outputs.CONTRACT_OUTPUTS):
# the tool's only input about this infrastructure. A test keeps the two lists equal.

output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "bucket_name" {
  description = "Name of the data bucket."
  value       = module.data_bucket.bucket_name
}

output "data_prefix" {
  description = "Key prefix for the input data in the bucket, ending with a slash (e.g. personalize/input/)."
  value       = module.data_bucket.data_prefix
}

output "personalize_role_arn" {
  description = "ARN of the IAM role passed to dataset import jobs."
  value       = module.personalize_role.role_arn
}

output "dataset_group_arn" {
  description = "ARN of the dataset group."
  value       = module.dataset_group.dataset_group_arn
}

output "dataset_arns" {
  description = "Map of dataset type (Interactions, Items, Users) to dataset ARN; Users only with enable_users_dataset."
  value       = module.dataset_group.dataset_arns
}

output "schema_arns" {
  description = "Map of dataset type (Interactions, Items, Users) to schema ARN; Users only with enable_users_dataset."
  value       = module.dataset_group.schema_arns
}

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key, or null when AWS managed encryption is used."
  value       = var.kms_key_arn
}

output "domain" {
  description = "Domain of the dataset group: null (a custom dataset group) or VIDEO_ON_DEMAND."
  value       = var.domain

  precondition {
    condition     = var.domain == null || var.interactions_schema == "interactions"
    error_message = "interactions_schema selects a custom dataset group's schema; with a domain the domain's Interactions schema (with EVENT_TYPE) is used: leave interactions_schema unset."
  }
}

output "batch_output_prefix" {
  description = "Key prefix in the bucket where batch inference jobs write their output, ending with a slash, or null when enable_batch_output is false."
  value       = module.data_bucket.batch_output_prefix
}

output "filter_arns" {
  description = "Map of short filter name (unwatched, genre, ...) to filter ARN; empty when no filters are declared."
  value       = module.dataset_group.filter_arns
}

output "event_tracker_arn" {
  description = "ARN of the event tracker, or null when enable_event_tracker is false."
  value       = module.dataset_group.event_tracker_arn
}

output "event_tracking_id" {
  description = "Tracking ID that PutEvents requests carry, or null when enable_event_tracker is false."
  value       = module.dataset_group.event_tracking_id
}
