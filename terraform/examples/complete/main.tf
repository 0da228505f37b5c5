# Complete reuse of the modules: a customer managed KMS key (created here, with a key policy
# that lets Personalize and its role use it), SSE-KMS on the bucket and the dataset group,
# batch inference output on, Interactions with event values plus Items.

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

provider "awscc" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "personalize-complete"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  tags       = { Example = local.name }
  # Built from the name, not the module output: the key policy and the role refer to each other.
  role_name = "${local.name}-role"
  role_arn  = "arn:${local.partition}:iam::${local.account_id}:role/${local.role_name}"
}

# --- Customer managed key ------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_356:A key policy is attached to one key: its Resource "*" means that key only.
  #checkov:skip=CKV_AWS_111:Write actions are granted on this key only (key policy), to this account, Personalize and its role.
  #checkov:skip=CKV_AWS_109:Key administration (PutKeyPolicy, CreateGrant) stays with the account that owns the key.
  statement {
    # Explicit administration actions for the account (including kms:PutKeyPolicy, so the key
    # can never become unmanageable); IAM policies in the account can delegate them further.
    sid    = "AccountAdministersKey"
    effect = "Allow"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:DeleteAlias",
      "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey",
      "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases",
      "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant",
      "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
      "kms:UpdateKeyDescription", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
      "kms:ReEncryptFrom", "kms:ReEncryptTo",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    # What Personalize needs (developer guide, "Giving Amazon Personalize permission to use
    # your AWS KMS key"), for this account's requests only.
    sid       = "PersonalizeUsesKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "PersonalizeRoleUsesKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.role_arn]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the ${local.name} Personalize data and dataset group."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

# --- The modules ---------------------------------------------------------------------------

module "data_bucket" {
  source = "../../modules/data-bucket"

  bucket_name         = "${local.name}-${local.account_id}-${var.region}"
  data_prefix         = "personalize/input/"
  enable_batch_output = true
  batch_output_prefix = "personalize/batch-output/"
  kms_key_arn         = aws_kms_key.this.arn
  tags                = { DataClassification = "internal" }
}

module "personalize_role" {
  source = "../../modules/personalize-role"

  name                = local.role_name
  bucket_arn          = module.data_bucket.bucket_arn
  data_prefix         = module.data_bucket.data_prefix
  batch_output_prefix = module.data_bucket.batch_output_prefix
  kms_key_arn         = aws_kms_key.this.arn
}

module "dataset_group" {
  source = "../../modules/dataset-group"

  name = local.name
  datasets = {
    Interactions = "${path.module}/../../schemas/interactions_event_value.json"
    Items        = "${path.module}/../../schemas/items.json"
  }
  kms_key_arn = aws_kms_key.this.arn
  role_arn    = module.personalize_role.role_arn
  tags        = local.tags
}
