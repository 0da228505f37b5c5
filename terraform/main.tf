# Root stack: the data bucket, the role Personalize assumes and the dataset group with its
# schemas and datasets, for MovieLens (Interactions + Items). `terraform apply` here.

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

# awscc has no default tags: the modules tag its resources explicitly with the same map.
provider "awscc" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  tags = merge({ Stack = var.name_prefix, ManagedBy = "terraform" }, var.tags)

  # Bucket names are global: the account and region make this one unique.
  bucket_name = "${var.name_prefix}-personalize-${data.aws_caller_identity.current.account_id}-${var.region}"

  datasets = merge(
    { Interactions = "${path.module}/schemas/${var.interactions_schema}.json" },
    var.enable_items_dataset ? { Items = "${path.module}/schemas/items.json" } : {},
  )
}

module "data_bucket" {
  source = "./modules/data-bucket"

  bucket_name         = local.bucket_name
  data_prefix         = var.data_prefix
  enable_batch_output = var.enable_batch_output
  batch_output_prefix = var.batch_output_prefix
  kms_key_arn         = var.kms_key_arn
  force_destroy       = var.force_destroy_bucket
}

module "personalize_role" {
  source = "./modules/personalize-role"

  name                = "${var.name_prefix}-personalize"
  bucket_arn          = module.data_bucket.bucket_arn
  data_prefix         = var.data_prefix
  batch_output_prefix = module.data_bucket.batch_output_prefix
  kms_key_arn         = var.kms_key_arn
}

module "dataset_group" {
  source = "./modules/dataset-group"

  name        = var.name_prefix
  datasets    = local.datasets
  kms_key_arn = var.kms_key_arn
  # Personalize assumes the role to use the customer key; without a key no role is needed.
  role_arn = var.kms_key_arn == null ? null : module.personalize_role.role_arn
  tags     = local.tags
}
