# IAM role that Amazon Personalize assumes for dataset import (and batch) jobs.
# Trust: only the Personalize service, acting for this account in this region (confused-deputy
# conditions). Permissions: this bucket and its prefixes only, plus the key when one is used.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # The region Personalize runs in: the caller's, when it says so, else this provider's.
  region = coalesce(var.region, data.aws_region.current.region)
  # Any Personalize resource (dataset import job, batch inference job, ...) of this account and region.
  source_arn = "arn:${data.aws_partition.current.partition}:personalize:${local.region}:${local.account_id}:*"
  use_kms    = var.kms_key_arn != null
  use_output = var.batch_output_prefix != null
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "PersonalizeAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.source_arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = var.description
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# --- Permissions: one document per concern, merged below ------------------------------------

data "aws_iam_policy_document" "s3_read" {
  statement {
    sid       = "ListDataBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ReadInputData"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.data_prefix}*"]
  }
}

data "aws_iam_policy_document" "s3_write_output" {
  count = local.use_output ? 1 : 0

  statement {
    sid       = "WriteBatchOutput"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.batch_output_prefix}*"]
  }
}

data "aws_iam_policy_document" "kms" {
  count = local.use_kms ? 1 : 0

  statement {
    sid       = "UseCustomerKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"]
    resources = [var.kms_key_arn]
  }
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = concat(
    [data.aws_iam_policy_document.s3_read.json],
    data.aws_iam_policy_document.s3_write_output[*].json,
    data.aws_iam_policy_document.kms[*].json,
  )
}

resource "aws_iam_role_policy" "this" {
  name   = "personalize-data-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
