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
