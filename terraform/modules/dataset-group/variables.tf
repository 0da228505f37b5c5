variable "name" {
  description = "Name of the dataset group; schemas and datasets are named NAME-<dataset type> (1-50 characters: letters, digits, hyphens, underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$", var.name))
    error_message = "The name must be 1-50 characters of letters, digits, \"-\" or \"_\", starting with a letter or digit."
  }
}

variable "datasets" {
  description = "Map of dataset type (Interactions, Items, Users) to its Avro schema: the name of a schema bundled with these modules (interactions, interactions_event_value, items) or the path of your own .json file. Interactions is required."
  type        = map(string)

  validation {
    condition     = contains(keys(var.datasets), "Interactions") && length(setsubtract(keys(var.datasets), ["Interactions", "Items", "Users"])) == 0
    error_message = "The datasets keys must include \"Interactions\" and may add only \"Items\" and \"Users\"."
  }

  validation {
    condition     = alltrue([for schema in values(var.datasets) : contains(["interactions", "interactions_event_value", "items"], schema) || can(regex("\\.json$", schema))])
    error_message = "Every datasets value must name a bundled schema (interactions, interactions_event_value, items) or be the path of a schema .json file."
  }
}

variable "domain" {
  description = "Domain of a Domain dataset group (ECOMMERCE or VIDEO_ON_DEMAND); null creates a Custom dataset group."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null || contains(["ECOMMERCE", "VIDEO_ON_DEMAND"], coalesce(var.domain, "-"))
    error_message = "The domain must be null, \"ECOMMERCE\" or \"VIDEO_ON_DEMAND\"."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key that encrypts the dataset group's data. Needs role_arn too. Null uses an AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "role_arn" {
  description = "ARN of the IAM role Personalize assumes to use kms_key_arn; required when kms_key_arn is set, otherwise null."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "The role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) or null."
  }
}

variable "tags" {
  description = "Tags for the dataset group, schemas and datasets (awscc has no provider default tags)."
  type        = map(string)
  default     = {}
}
