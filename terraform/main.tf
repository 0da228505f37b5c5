# Root stack: the data bucket, the role Personalize assumes and the dataset group with its
# schemas, datasets, filters and event tracker, for MovieLens (Interactions, Items and, for the
# releases with demographics, Users), custom or VIDEO_ON_DEMAND. `terraform apply` here.

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

  # S3 bucket and IAM role names are global (one per partition; the role per account): both
  # carry the region, so the same name_prefix can be applied in a second region of the account.
  # The region comes from var.region only: the providers, these names and the region the role
  # trusts (its aws:SourceArn condition) all read it.
  bucket_name = "${var.name_prefix}-personalize-${data.aws_caller_identity.current.account_id}-${var.region}"
  role_name   = coalesce(var.role_name, "${var.name_prefix}-personalize-${var.region}")

  # Schemas bundled in schemas/, by name (the dataset-group module resolves them): a Domain
  # dataset group takes the domain's schemas (EVENT_TYPE on Interactions; GENRES and
  # CREATION_TIMESTAMP on Items), a custom one interactions_schema and items; both take users
  # (USER_ID and categorical metadata, what a VIDEO_ON_DEMAND Users schema requires).
  schema_prefix = var.domain == null ? "" : "${lower(var.domain)}_"
  datasets = merge(
    { Interactions = var.domain == null ? var.interactions_schema : "${local.schema_prefix}interactions" },
    var.enable_items_dataset ? { Items = "${local.schema_prefix}items" } : {},
    var.enable_users_dataset ? { Users = "users" } : {},
  )

  # Default filters: filters/<custom|domain>.json, also read by the Python tool
  # (personalize_movielens.filter_defaults); one that reads Items is left out without Items,
  # one that reads the event type without EVENT_TYPE in the Interactions schema.
  default_filters = jsondecode(file("${path.module}/filters/${var.domain == null ? "custom" : lower(var.domain)}.json"))
  with_event_type = var.domain != null || var.interactions_schema == "interactions_event_value"
  filters = var.filters != null ? var.filters : {
    for name, expression in local.default_filters : name => expression
    if(var.enable_items_dataset || length(regexall("Items[.]", expression)) == 0)
    && (local.with_event_type || length(regexall("Interactions[.]EVENT_TYPE", expression)) == 0)
  }
}

module "data_bucket" {
  source = "./modules/data-bucket"

  bucket_name         = local.bucket_name
  data_prefix         = var.data_prefix
  enable_batch_output = var.enable_batch_output
  batch_output_prefix = var.batch_output_prefix
  kms_key_arn         = var.kms_key_arn
  force_destroy       = var.force_destroy_bucket

  enable_source_account_condition = var.enable_source_account_condition
}

module "personalize_role" {
  source = "./modules/personalize-role"

  name                = local.role_name
  region              = var.region
  bucket_arn          = module.data_bucket.bucket_arn
  data_prefix         = var.data_prefix
  batch_output_prefix = module.data_bucket.batch_output_prefix
  kms_key_arn         = var.kms_key_arn
}

module "dataset_group" {
  source = "./modules/dataset-group"

  name        = var.name_prefix
  domain      = var.domain
  datasets    = local.datasets
  kms_key_arn = var.kms_key_arn
  # Personalize assumes the role to use the customer key; without a key no role is needed.
  role_arn = var.kms_key_arn == null ? null : module.personalize_role.role_arn
  tags     = local.tags

  filters              = local.filters
  enable_event_tracker = var.enable_event_tracker
}
