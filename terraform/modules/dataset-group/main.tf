# Amazon Personalize dataset group, one schema and one dataset per dataset type (awscc provider:
# hashicorp/aws has no Personalize resources). Import jobs are run by the tool, not declared here.

locals {
  # awscc takes tags as a list of {key, value} objects; null (not []) when there are none.
  tags = length(var.tags) == 0 ? null : [for key in sort(keys(var.tags)) : { key = key, value = var.tags[key] }]

  # Decode and re-encode each schema: whitespace or key order changes in the file must never
  # change the string awscc compares, or the schema (and its dataset) would be replaced.
  schemas = { for type, path in var.datasets : type => jsonencode(jsondecode(file(path))) }
}

resource "awscc_personalize_dataset_group" "this" {
  name        = var.name
  domain      = var.domain
  kms_key_arn = var.kms_key_arn
  role_arn    = var.role_arn
  tags        = local.tags

  lifecycle {
    precondition {
      condition     = var.kms_key_arn == null || var.role_arn != null
      error_message = "kms_key_arn needs role_arn: Personalize uses the key through that role."
    }
  }
}

resource "awscc_personalize_schema" "this" {
  for_each = local.schemas

  name   = "${var.name}-${lower(each.key)}"
  schema = each.value
  domain = var.domain
  tags   = local.tags
}

resource "awscc_personalize_dataset" "this" {
  for_each = local.schemas

  name              = "${var.name}-${lower(each.key)}"
  dataset_type      = each.key
  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn
  schema_arn        = awscc_personalize_schema.this[each.key].schema_arn
  tags              = local.tags
}
