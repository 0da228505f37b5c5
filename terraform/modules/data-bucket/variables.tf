variable "bucket_name" {
  description = "Name of the S3 bucket that holds the Personalize input data (3-63 characters: lowercase letters, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("--", var.bucket_name))
    error_message = "The bucket_name must be 3-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit."
  }
}

variable "data_prefix" {
  description = "Key prefix of the input data that Personalize reads, ending with a slash (e.g. \"personalize/input/\")."
  type        = string
  default     = "personalize/input/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.data_prefix))
    error_message = "The data_prefix must be one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash (e.g. \"personalize/input/\")."
  }
}

variable "enable_batch_output" {
  description = "Let Personalize write batch inference output under batch_output_prefix (s3:PutObject on that prefix only)."
  type        = bool
  default     = false
}

variable "batch_output_prefix" {
  description = "Key prefix where Personalize writes batch inference output, used when enable_batch_output is true."
  type        = string
  default     = "personalize/output/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.batch_output_prefix))
    error_message = "The batch_output_prefix must be one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash (e.g. \"personalize/output/\")."
  }
}

variable "enable_source_account_condition" {
  description = "Add an aws:SourceAccount condition (this account) to the statements that let the Personalize service use the bucket: the developer guide's confused-deputy advice. Its own bucket-policy example has none; set false if imports fail with \"Insufficient privileges for accessing data in S3\" while the role and policy are otherwise right (docs/operations.md)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for default bucket encryption (SSE-KMS). Null uses SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete the bucket while it still holds objects (all versions are lost)."
  type        = bool
  default     = false
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted and their parts deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "The abort_incomplete_multipart_upload_days must be a whole number of at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted (versioning keeps overwritten uploads until then)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "The noncurrent_version_expiration_days must be a whole number of at least 1."
  }
}

variable "tags" {
  description = "Tags for the bucket, merged over the provider's default_tags."
  type        = map(string)
  default     = {}
}
