# Minimal reuse of the modules: SSE-S3 bucket, role, and a dataset group with Interactions only.
# Copy this folder into your own stack and change `source` to a pinned Git ref or registry path.

provider "aws" {
  region = var.region

  default_tags {
    tags = { Example = "personalize-minimal" }
  }
}

provider "awscc" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  name = "personalize-minimal"
}

module "data_bucket" {
  source = "../../modules/data-bucket"

  bucket_name = "${local.name}-${data.aws_caller_identity.current.account_id}"
}

module "personalize_role" {
  source = "../../modules/personalize-role"

  name        = "${local.name}-role"
  bucket_arn  = module.data_bucket.bucket_arn
  data_prefix = module.data_bucket.data_prefix
}

module "dataset_group" {
  source = "../../modules/dataset-group"

  name = local.name
  datasets = {
    Interactions = "${path.module}/../../schemas/interactions.json"
  }
}
