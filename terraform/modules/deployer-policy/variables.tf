variable "name_prefix" {
  description = "The root stack's name_prefix (its var.name_prefix): every name the policy is scoped to derives from it. 3-20 lowercase letters, digits or hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix)) && !can(regex("--", var.name_prefix))
    error_message = "The name_prefix must be 3-20 lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  description = "AWS region the root stack is applied in (its var.region). Null: the region of this module's aws provider."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", coalesce(var.region, "-")))
    error_message = "The region must be null or an AWS region name such as us-east-1 or eu-west-1."
  }
}

variable "role_name" {
  description = "The root stack's role_name (its var.role_name): name of the IAM role Personalize assumes. Null: NAME_PREFIX-personalize-REGION, as in the root stack."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.role_name, "-")))
    error_message = "The role_name must be null or 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "enable_kms_key" {
  description = "The root stack is applied with kms_key_arn set: grant iam:PassRole on the Personalize role, to Personalize only (the dataset group passes the role to use the key)."
  type        = bool
  default     = false
}

variable "enable_force_destroy_bucket" {
  description = "The root stack is applied with force_destroy_bucket = true: let destroy list and delete every object version in the data bucket."
  type        = bool
  default     = false
}

variable "enable_event_tracker" {
  description = "The root stack is applied with enable_event_tracker = true (its default): grant creating, describing and deleting its event tracker."
  type        = bool
  default     = true
}
