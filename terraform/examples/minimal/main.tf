# Minimal reuse of the modules: SSE-S3 bucket, role, and a dataset group with Interactions only.
# Copy this folder into your own stack and change each `source` to a pinned Git ref, e.g.
# "git::https://github.com/ORG/personalize-movielens.git//terraform/modules/data-bucket?ref=v1.0.0":
# nothing here reads a file outside this folder (the schema is one the modules ship, by name).

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

  # S3 bucket and IAM role names are global: the account and region keep them unique.
  bucket_name = "${local.name}-${data.aws_caller_identity.current.account_id}-${var.region}"
}

module "personalize_role" {
  source = "../../modules/personalize-role"

  name        = "${local.name}-${var.region}"
  region      = var.region
  bucket_arn  = module.data_bucket.bucket_arn
  data_prefix = module.data_bucket.data_prefix
}

module "dataset_group" {
  source = "../../modules/dataset-group"

  name = local.name
  datasets = {
    Interactions = "interactions"
  }
}
