variable "name" {
  description = "Name of the IAM role that Amazon Personalize assumes (1-64 characters: letters, digits and +=,.@_-)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "The name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "region" {
  description = "Region whose Personalize may assume the role (the aws:SourceArn condition of its trust policy). Null: the region of this module's aws provider. IAM role names are global: give each region's role its own name."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", coalesce(var.region, "-")))
    error_message = "The region must be null or an AWS region name such as us-east-1."
  }
}

variable "description" {
  description = "Description of the IAM role."
  type        = string
  default     = "Assumed by Amazon Personalize to read its input data (and write batch output) in S3."
}

variable "bucket_arn" {
  description = "ARN of the S3 bucket that holds the Personalize data (arn:aws:s3:::NAME)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "The bucket_arn must be an S3 bucket ARN (arn:aws:s3:::NAME)."
  }
}

variable "data_prefix" {
  description = "Key prefix of the input data the role may read, ending with a slash (e.g. \"personalize/input/\")."
  type        = string
  default     = "personalize/input/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.data_prefix))
    error_message = "The data_prefix must be one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash."
  }
}

variable "batch_output_prefix" {
  description = "Key prefix where the role may write batch inference output, ending with a slash. Null grants no write access."
  type        = string
  default     = null

  validation {
    condition     = var.batch_output_prefix == null || can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.batch_output_prefix))
    error_message = "The batch_output_prefix must be null or one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the data or the dataset group. Null grants no KMS access."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of an IAM policy to set as the role's permissions boundary, or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "The permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME) or null."
  }
}

variable "tags" {
  description = "Tags for the role, merged over the provider's default_tags."
  type        = map(string)
  default     = {}
}
