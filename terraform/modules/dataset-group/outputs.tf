output "dataset_group_arn" {
  description = "ARN of the dataset group (arn:PARTITION:personalize:REGION:ACCOUNT:dataset-group/NAME)."
  value       = awscc_personalize_dataset_group.this.dataset_group_arn
}

output "dataset_group_name" {
  description = "Name of the dataset group."
  value       = awscc_personalize_dataset_group.this.name
}

output "dataset_arns" {
  description = "Map of dataset type (Interactions, Items, Users) to dataset ARN."
  value       = { for type, dataset in awscc_personalize_dataset.this : type => dataset.dataset_arn }
}

output "schema_arns" {
  description = "Map of dataset type (Interactions, Items, Users) to schema ARN."
  value       = { for type, schema in awscc_personalize_schema.this : type => schema.schema_arn }
}

output "filter_arns" {
  description = "Map of short filter name (a key of var.filters) to filter ARN (arn:PARTITION:personalize:REGION:ACCOUNT:filter/NAME-<short name>); empty when there are none."
  value       = { for name, filter in awscc_personalize_filter.this : name => filter.filter_arn }
}

output "event_tracker_arn" {
  description = "ARN of the event tracker (arn:PARTITION:personalize:REGION:ACCOUNT:event-tracker/...), or null when enable_event_tracker is false."
  value       = try(awscc_personalize_event_tracker.this[0].event_tracker_arn, null)
}

output "event_tracking_id" {
  description = "Tracking ID of the event tracker, which PutEvents requests carry, or null when enable_event_tracker is false."
  value       = try(awscc_personalize_event_tracker.this[0].tracking_id, null)
}
