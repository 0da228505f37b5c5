# S3 bucket for Amazon Personalize input data (and, optionally, batch inference output).
# Private, encrypted, versioned, TLS only; its policy lets the Personalize service read the input
# prefix for this account's own jobs (aws:SourceAccount, unless turned off), so imports cannot
# fail on bucket access.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id            = data.aws_caller_identity.current.account_id
  bucket_arn            = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  use_kms               = var.kms_key_arn != null
  personalize_principal = "personalize.amazonaws.com"
  # The account whose Personalize jobs may use the bucket, as the aws:SourceAccount condition of
  # the Personalize statements; none when the caller turns the condition off.
  source_accounts = var.enable_source_account_condition ? [local.account_id] : []
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket; the caller owns logging policy (CloudTrail data events cover S3 access).
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for a dataset that is re-downloadable from its public source.
  #checkov:skip=CKV2_AWS_62:No consumer of event notifications: imports are started by the tool, not by S3 events.
  #checkov:skip=CKV_AWS_145:SSE-S3 is the documented default; SSE-KMS is used when kms_key_arn is given.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.use_kms ? "aws:kms" : "AES256"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = local.use_kms
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  # The rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.this]
}

# --- Bucket policy: one document per concern, merged below ---------------------------------

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "personalize_read" {
  statement {
    sid       = "PersonalizeListBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    principals {
      type        = "Service"
      identifiers = [local.personalize_principal]
    }

    # Confused-deputy protection (see var.enable_source_account_condition).
    dynamic "condition" {
      for_each = local.source_accounts
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "PersonalizeReadInput"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.data_prefix}*"]

    principals {
      type        = "Service"
      identifiers = [local.personalize_principal]
    }

    # Confused-deputy protection (see var.enable_source_account_condition).
    dynamic "condition" {
      for_each = local.source_accounts
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "personalize_batch_output" {
  count = var.enable_batch_output ? 1 : 0

  statement {
    sid       = "PersonalizeWriteBatchOutput"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${var.batch_output_prefix}*"]

    principals {
      type        = "Service"
      identifiers = [local.personalize_principal]
    }

    # Confused-deputy protection (see var.enable_source_account_condition).
    dynamic "condition" {
      for_each = local.source_accounts
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = concat(
    [data.aws_iam_policy_document.tls_only.json, data.aws_iam_policy_document.personalize_read.json],
    data.aws_iam_policy_document.personalize_batch_output[*].json,
  )
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # A public access block applied after the policy could reject it; order them.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
