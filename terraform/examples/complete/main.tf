# Complete reuse of the modules: a customer managed KMS key, SSE-KMS on the bucket and the
# dataset group, batch inference output on, a VIDEO_ON_DEMAND dataset group with the domain's
# bundled schemas (Interactions with EVENT_TYPE, Items with GENRES and CREATION_TIMESTAMP) and
# the Users schema, filters and the event tracker.
#
# Order matters: KMS rejects a key policy naming a principal that does not exist yet
# (MalformedPolicyDocumentException), and the role needs the key's ARN for its own policy. So
# the key is created with the account and Personalize statements only; once the role exists,
# aws_kms_key_policy.this sets the full policy (adding the role) and the dataset group waits
# for it.

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
  name = "personalize-complete"
  # What Personalize and its role need on the key (developer guide, key policy example).
  personalize_key_actions = [
    "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants",
  ]
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  tags       = { Example = local.name }
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
      "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
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
    # The documented key policy (developer guide, "Giving Amazon Personalize permission to use
    # your AWS KMS key"): the service principal with exactly these actions and no condition.
    # An aws:SourceAccount condition is not in that policy and Personalize does not document
    # sending it on its KMS calls, so adding one risks denying Personalize its own key.
    sid       = "PersonalizeUsesKey"
    effect    = "Allow"
    actions   = local.personalize_key_actions
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }
  }
}

# The role's statement, added once the role exists (see the header comment).
data "aws_iam_policy_document" "key_with_role" {
  #checkov:skip=CKV_AWS_356:A key policy is attached to one key: its Resource "*" means that key only.
  #checkov:skip=CKV_AWS_111:Write actions are granted on this key only (key policy), to this account, Personalize and its role.
  #checkov:skip=CKV_AWS_109:Key administration (PutKeyPolicy, CreateGrant) stays with the account that owns the key.
  source_policy_documents = [data.aws_iam_policy_document.key.json]

  statement {
    sid       = "PersonalizeRoleUsesKey"
    effect    = "Allow"
    actions   = local.personalize_key_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [module.personalize_role.role_arn]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the ${local.name} Personalize data and dataset group."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json

  lifecycle {
    # From the first apply on, aws_kms_key_policy.this owns the policy (the same statements
    # plus the role's); without this the two resources would undo each other on every apply.
    ignore_changes = [policy]
  }
}

resource "aws_kms_key_policy" "this" {
  key_id = aws_kms_key.this.id
  policy = data.aws_iam_policy_document.key_with_role.json
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

  name                = "${local.name}-${var.region}" # IAM names are global: one role per region
  region              = var.region
  bucket_arn          = module.data_bucket.bucket_arn
  data_prefix         = module.data_bucket.data_prefix
  batch_output_prefix = module.data_bucket.batch_output_prefix
  kms_key_arn         = aws_kms_key.this.arn
}

module "dataset_group" {
  source = "../../modules/dataset-group"

  name = local.name
  # A VIDEO_ON_DEMAND dataset group (recommenders instead of solutions and campaigns), with the
  # domain's schemas the modules ship, by name: a copy of this example needs no schema files.
  domain = "VIDEO_ON_DEMAND"
  # Users (USER_ID; categorical GENDER, AGE, OCCUPATION) is the one bundled Users schema, fit
  # for both kinds of group: import it from MovieLens 1M or 100K, the releases with demographics.
  datasets = {
    Interactions = "video_on_demand_interactions"
    Items        = "video_on_demand_items"
    Users        = "users"
  }
  kms_key_arn = aws_kms_key.this.arn
  role_arn    = module.personalize_role.role_arn
  tags        = local.tags

  # Filters, by short name (each named NAME-<short name>); recommendation requests name them.
  filters = {
    unwatched = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"Watch\")"
    genre     = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
  }
  # The tracking ID PutEvents needs: free to keep, events billed per GB ingested.
  enable_event_tracker = true

  # Personalize checks the key policy when it creates the dataset group.
  depends_on = [aws_kms_key_policy.this]
}
