# Least-privilege IAM policy for the identity that runs `terraform apply` and `terraform destroy`
# of the root stack (terraform/), and its read-only subset for `terraform plan`. No resources:
# the caller attaches the JSON to the role or user that deploys (see README.md).
#
# Every action is scoped to the ARNs of the names the root stack gives its resources, where the
# action supports resource-level permissions. The actions are what the providers call: the aws
# provider's own API calls for the bucket and the role, and for the awscc (Cloud Control)
# resources the Cloud Control API plus the handler permissions of the CloudFormation resource
# schemas (Cloud Control runs the handlers with the caller's credentials).
# tests/terraform/test_tf_deployer_policy.py checks coverage and least privilege against those
# sources.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = coalesce(var.region, data.aws_region.current.region)

  # The root stack's names (terraform/main.tf and its modules).
  bucket_arn = "arn:${local.partition}:s3:::${var.name_prefix}-personalize-${local.account_id}-${local.region}"
  role_name  = coalesce(var.role_name, "${var.name_prefix}-personalize-${local.region}")
  role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${local.role_name}"

  personalize       = "arn:${local.partition}:personalize:${local.region}:${local.account_id}"
  dataset_group_arn = "${local.personalize}:dataset-group/${var.name_prefix}"
  # Schemas are named NAME-<dataset type>; datasets are addressed by group and TYPE.
  schema_arns = [
    "${local.personalize}:schema/${var.name_prefix}-interactions",
    "${local.personalize}:schema/${var.name_prefix}-items",
  ]
  dataset_arns = [
    "${local.personalize}:dataset/${var.name_prefix}/INTERACTIONS",
    "${local.personalize}:dataset/${var.name_prefix}/ITEMS",
  ]
  # Import jobs are named by the tool (personalize-movielens data import), not by the stack:
  # the datasets' read handler describes them once they exist.
  import_job_arns = "${local.personalize}:dataset-import-job/*"
  # Filters are named NAME_PREFIX-<short name>, the short names being the root stack's
  # `filters` map (its defaults or the caller's): scoped to the stack's prefix. A stack whose
  # prefix starts with this one's plus a hyphen (movielens-dev for movielens) matches too: see
  # README.md, "Filters of a longer prefix".
  filter_arns = "${local.personalize}:filter/${var.name_prefix}-*"
  # Event trackers: any in the stack's account and region. The tracker is named
  # NAME_PREFIX-events, but its ARN does not carry the name: the Service Authorization Reference
  # gives event-tracker/${ResourceId}, and the ARNs CreateEventTracker returns end in an ID
  # Personalize generates (event-tracker/d2e0162e), unknown before creation. Event trackers
  # have no condition keys to scope them by tag, so Create/Describe/DeleteEventTracker are
  # granted on event-tracker/* (tests/terraform/test_tf_deployer_policy.py: WILDCARDS).
  event_tracker_arn = "${local.personalize}:event-tracker/*"
}

# --- S3: the data bucket and its configuration resources ------------------------------------

data "aws_iam_policy_document" "s3_read" {
  statement {
    sid    = "DataBucketRead"
    effect = "Allow"
    # HeadBucket authorizes as s3:ListBucket; the rest is the aws_s3_bucket refresh and the
    # reads of the versioning, encryption, lifecycle, public access block, ownership and
    # policy resources.
    actions = [
      "s3:ListBucket",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLogging",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      # The bucket's tags, read through S3 Control since aws 6.23.0 (see README).
      "s3:ListTagsForResource",
    ]
    resources = [local.bucket_arn]
  }
}

data "aws_iam_policy_document" "s3_write" {
  statement {
    sid    = "DataBucketWrite"
    effect = "Allow"
    # The Delete* calls of the configuration resources authorize as their Put* actions.
    actions = [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:TagResource",
      "s3:UntagResource",
    ]
    resources = [local.bucket_arn]
  }
}

# Only when the stack runs with force_destroy_bucket = true: destroy then empties the bucket.
data "aws_iam_policy_document" "s3_force_destroy" {
  count = var.enable_force_destroy_bucket ? 1 : 0

  statement {
    sid       = "DataBucketListVersions"
    effect    = "Allow"
    actions   = ["s3:ListBucketVersions"]
    resources = [local.bucket_arn]
  }

  statement {
    sid       = "DataBucketDeleteObjects"
    effect    = "Allow"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${local.bucket_arn}/*"]
  }
}

# --- IAM: the role Personalize assumes and its inline policy ---------------------------------

data "aws_iam_policy_document" "iam_read" {
  statement {
    sid    = "PersonalizeRoleRead"
    effect = "Allow"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
    ]
    resources = [local.role_arn]
  }
}

data "aws_iam_policy_document" "iam_write" {
  statement {
    sid    = "PersonalizeRoleWrite"
    effect = "Allow"
    # CreateRole with tags also authorizes iam:TagRole; destroy lists instance profiles first.
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRoleTags",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRoleDescription",
    ]
    resources = [local.role_arn]
  }
}

# Only with a customer KMS key: the dataset group then passes the role to Personalize.
data "aws_iam_policy_document" "iam_pass_role" {
  count = var.enable_kms_key ? 1 : 0

  statement {
    sid       = "PassPersonalizeRole"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [local.role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["personalize.amazonaws.com"]
    }
  }
}

# --- Cloud Control API: how awscc manages the Personalize resources --------------------------

data "aws_iam_policy_document" "cloud_control_read" {
  statement {
    sid       = "CloudControlRead"
    effect    = "Allow"
    actions   = ["cloudformation:GetResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
}

data "aws_iam_policy_document" "cloud_control_write" {
  statement {
    sid    = "CloudControlWrite"
    effect = "Allow"
    actions = [
      "cloudformation:CreateResource",
      "cloudformation:DeleteResource",
      "cloudformation:GetResourceRequestStatus",
      "cloudformation:UpdateResource",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
}

# --- Personalize: what the Cloud Control handlers call with the caller's credentials ---------

data "aws_iam_policy_document" "personalize_read" {
  statement {
    sid       = "DatasetGroupRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeDatasetGroup"]
    resources = [local.dataset_group_arn]
  }

  statement {
    sid       = "SchemasRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeSchema"]
    resources = local.schema_arns
  }

  statement {
    sid       = "DatasetsRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeDataset"]
    resources = local.dataset_arns
  }

  statement {
    sid       = "ImportJobsRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeDatasetImportJob"]
    resources = [local.import_job_arns]
  }

  statement {
    sid       = "FiltersRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeFilter"]
    resources = [local.filter_arns]
  }

  statement {
    sid       = "PersonalizeListAndTagsRead"
    effect    = "Allow"
    actions   = ["personalize:ListDatasetImportJobs", "personalize:ListTagsForResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
}

data "aws_iam_policy_document" "personalize_write" {
  statement {
    sid       = "DatasetGroupWrite"
    effect    = "Allow"
    actions   = ["personalize:CreateDatasetGroup", "personalize:DeleteDatasetGroup"]
    resources = [local.dataset_group_arn]
  }

  statement {
    sid       = "SchemasWrite"
    effect    = "Allow"
    actions   = ["personalize:CreateSchema", "personalize:DeleteSchema"]
    resources = local.schema_arns
  }

  statement {
    sid       = "DatasetsWrite"
    effect    = "Allow"
    actions   = ["personalize:CreateDataset", "personalize:DeleteDataset"]
    resources = local.dataset_arns
  }

  statement {
    sid       = "FiltersWrite"
    effect    = "Allow"
    actions   = ["personalize:CreateFilter", "personalize:DeleteFilter"]
    resources = [local.filter_arns]
  }

  statement {
    sid    = "PersonalizeTags"
    effect = "Allow"
    # Filters and the event tracker take tag changes in place (their schemas' tagUpdatable):
    # their update handlers call UntagResource too.
    actions   = ["personalize:TagResource", "personalize:UntagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
}

# Only when the root stack has its event tracker (enable_event_tracker, on by default).
data "aws_iam_policy_document" "event_tracker_read" {
  count = var.enable_event_tracker ? 1 : 0

  statement {
    sid       = "EventTrackerRead"
    effect    = "Allow"
    actions   = ["personalize:DescribeEventTracker"]
    resources = [local.event_tracker_arn]
  }
}

data "aws_iam_policy_document" "event_tracker_write" {
  count = var.enable_event_tracker ? 1 : 0

  statement {
    sid       = "EventTrackerWrite"
    effect    = "Allow"
    actions   = ["personalize:CreateEventTracker", "personalize:DeleteEventTracker"]
    resources = [local.event_tracker_arn]
  }
}

# --- The policies --------------------------------------------------------------------------

# terraform plan (refresh): the read-only subset.
data "aws_iam_policy_document" "plan" {
  source_policy_documents = concat(
    [
      data.aws_iam_policy_document.s3_read.json,
      data.aws_iam_policy_document.iam_read.json,
      data.aws_iam_policy_document.cloud_control_read.json,
      data.aws_iam_policy_document.personalize_read.json,
    ],
    data.aws_iam_policy_document.event_tracker_read[*].json,
  )
}

# terraform apply and destroy.
data "aws_iam_policy_document" "this" {
  source_policy_documents = concat(
    [
      data.aws_iam_policy_document.s3_read.json,
      data.aws_iam_policy_document.s3_write.json,
    ],
    data.aws_iam_policy_document.s3_force_destroy[*].json,
    [
      data.aws_iam_policy_document.iam_read.json,
      data.aws_iam_policy_document.iam_write.json,
    ],
    data.aws_iam_policy_document.iam_pass_role[*].json,
    [
      data.aws_iam_policy_document.cloud_control_read.json,
      data.aws_iam_policy_document.cloud_control_write.json,
      data.aws_iam_policy_document.personalize_read.json,
      data.aws_iam_policy_document.personalize_write.json,
    ],
    data.aws_iam_policy_document.event_tracker_read[*].json,
    data.aws_iam_policy_document.event_tracker_write[*].json,
  )
}
