# Amazon Personalize dataset group, one schema and one dataset per dataset type (awscc provider:
# hashicorp/aws has no Personalize resources). Import jobs are run by the tool, not declared here.
#
# Every argument below is create-only in the CloudFormation schemas awscc is generated from: a
# new value replaces the resource, and replacing a dataset (or the schema or dataset group it
# hangs from) deletes its imported data. Tags are set at creation and then ignored (see README);
# the other create-only arguments say below why a replacement is what the caller asks for.

locals {
  # awscc takes tags as a list of {key, value} objects; null (not []) when there are none.
  tags = length(var.tags) == 0 ? null : [for key in sort(keys(var.tags)) : { key = key, value = var.tags[key] }]

  # The MovieLens schemas ship with these modules (terraform/schemas, also read by the Python
  # tool): a datasets value that is not a .json path names one of them, so a stack that calls
  # this module from a Git ref or the registry needs no copy of the files.
  bundled_schemas = "${path.module}/../../schemas"
  schema_files = {
    for type, schema in var.datasets :
    type => can(regex("\\.json$", schema)) ? schema : "${local.bundled_schemas}/${schema}.json"
  }

  # Which bundled schemas suit which dataset group. CreateSchema with a domain refuses a schema
  # without the domain's required fields (VIDEO_ON_DEMAND: EVENT_TYPE on Interactions; GENRES,
  # categorical, and CREATION_TIMESTAMP on Items), which the custom ones lack; no bundled schema
  # is written for ECOMMERCE (give your own .json paths); a custom group naming a domain's
  # schema has most likely forgotten its domain. users (USER_ID and categorical GENDER, AGE,
  # OCCUPATION) suits both: VIDEO_ON_DEMAND asks of a Users schema only USER_ID and one
  # categorical or numerical metadata field. A .json path is taken as the caller's choice.
  bundled_for_group = {
    custom          = ["interactions", "interactions_event_value", "items", "users"]
    VIDEO_ON_DEMAND = ["video_on_demand_interactions", "video_on_demand_items", "users"]
    ECOMMERCE       = []
  }
  group_kind       = var.domain == null ? "custom" : var.domain
  suitable_schemas = local.bundled_for_group[local.group_kind]

  # Decode and re-encode each schema: whitespace or key order changes in the file must never
  # change the string awscc compares, or the schema (and its dataset) would be replaced.
  schemas = { for type, path in local.schema_files : type => jsonencode(jsondecode(file(path))) }
}

resource "awscc_personalize_dataset_group" "this" {
  # create-only: name(var.name), domain(var.domain), kms_key_arn(var.kms_key_arn),
  # role_arn(var.role_arn): another name, domain or key is another dataset group (Personalize
  # changes none in place); `make plan` refuses the replacement, which loses the imported data,
  # unless ALLOW_DATA_LOSS=1.
  name        = var.name
  domain      = var.domain
  kms_key_arn = var.kms_key_arn
  role_arn    = var.role_arn
  tags        = local.tags

  lifecycle {
    # Tags are create-only (tagUpdatable: false): a change would replace the group, data and all.
    ignore_changes = [tags]

    precondition {
      condition     = var.kms_key_arn == null || var.role_arn != null
      error_message = "kms_key_arn needs role_arn: Personalize uses the key through that role."
    }
  }
}

resource "awscc_personalize_schema" "this" {
  for_each = local.schemas

  # create-only: name(var.name), schema(each.value), domain(var.domain): Personalize schemas are
  # immutable; a real change of the schema file (not of its whitespace, see local.schemas) is a
  # new schema and a new, empty dataset, which `make plan` refuses unless ALLOW_DATA_LOSS=1.
  name   = "${var.name}-${lower(each.key)}"
  schema = each.value
  domain = var.domain
  tags   = local.tags

  lifecycle {
    # Tags are create-only (tagUpdatable: false): a change would replace the schema and dataset.
    ignore_changes = [tags]

    precondition {
      condition     = can(regex("\\.json$", var.datasets[each.key])) || contains(local.suitable_schemas, var.datasets[each.key])
      error_message = "datasets.${each.key} = ${var.datasets[each.key]} is not a bundled schema for ${var.domain == null ? "a custom dataset group" : "the ${var.domain} domain"}${length(local.suitable_schemas) == 0 ? " (none is bundled): give" : ", which takes ${join(" or ", local.suitable_schemas)}: name one of those or give"} the path of a .json schema file."
    }
  }
}

resource "awscc_personalize_dataset" "this" {
  for_each = local.schemas

  # create-only: name(var.name), dataset_group_arn(awscc_personalize_dataset_group.this),
  # schema_arn(awscc_personalize_schema.this): the dataset follows its dataset group and schema,
  # and is replaced only when they are (refused by `make plan` unless ALLOW_DATA_LOSS=1).
  name              = "${var.name}-${lower(each.key)}"
  dataset_type      = each.key
  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn
  schema_arn        = awscc_personalize_schema.this[each.key].schema_arn
  tags              = local.tags

  lifecycle {
    # Tags are create-only (tagUpdatable: false): a change would replace the dataset, data and all.
    ignore_changes = [tags]
  }
}

resource "awscc_personalize_filter" "this" {
  for_each = var.filters

  # create-only: name(var.name), dataset_group_arn(awscc_personalize_dataset_group.this),
  # filter_expression(each.value): Personalize cannot update a filter; a new expression is a
  # new filter. A filter holds no data, so the replacement loses nothing (`make plan` lets it
  # through); recommendation requests that name it fail only while it is being recreated.
  name              = "${var.name}-${each.key}"
  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn
  filter_expression = each.value
  tags              = local.tags

  # CreateFilter checks the expression against the datasets' schemas: they must exist first.
  depends_on = [awscc_personalize_dataset.this]

  lifecycle {
    precondition {
      condition     = length("${var.name}-${each.key}") <= 63
      error_message = "Filter name ${var.name}-${each.key} is longer than Personalize's 63 characters: shorten the filter's short name."
    }
  }
}

resource "awscc_personalize_event_tracker" "this" {
  count = var.enable_event_tracker ? 1 : 0

  # create-only: name(var.name), dataset_group_arn(awscc_personalize_dataset_group.this): the
  # tracker belongs to its dataset group. Replacing it issues a new tracking ID (the stack's
  # output) but loses no data: recorded events are already in the Interactions dataset.
  name              = "${var.name}-events"
  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn
  tags              = local.tags

  # PutEvents appends to the Interactions dataset: the tracker is useful only once it exists.
  depends_on = [awscc_personalize_dataset.this]
}
