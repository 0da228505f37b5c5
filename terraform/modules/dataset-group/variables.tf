variable "name" {
  description = "Name of the dataset group; schemas and datasets are named NAME-<dataset type> (1-50 characters: letters, digits, hyphens, underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$", var.name))
    error_message = "The name must be 1-50 characters of letters, digits, \"-\" or \"_\", starting with a letter or digit."
  }
}

variable "datasets" {
  description = "Map of dataset type (Interactions, Items, Users) to its Avro schema: the name of a schema bundled with these modules (for a custom group interactions, interactions_event_value, items, users; for a VIDEO_ON_DEMAND group video_on_demand_interactions, video_on_demand_items, users; none for ECOMMERCE) or the path of your own .json file. Interactions is required."
  type        = map(string)

  validation {
    condition     = contains(keys(var.datasets), "Interactions") && length(setsubtract(keys(var.datasets), ["Interactions", "Items", "Users"])) == 0
    error_message = "The datasets keys must include \"Interactions\" and may add only \"Items\" and \"Users\"."
  }

  validation {
    condition     = alltrue([for schema in values(var.datasets) : contains(["interactions", "interactions_event_value", "items", "users", "video_on_demand_interactions", "video_on_demand_items"], schema) || can(regex("\\.json$", schema))])
    error_message = "Every datasets value must name a bundled schema (interactions, interactions_event_value, items, users, video_on_demand_interactions, video_on_demand_items) or be the path of a schema .json file."
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
  description = "Tags for the dataset group, schemas, datasets, filters and event tracker (awscc has no provider default tags); set at creation on the group, schemas and datasets, updated in place on filters and the tracker."
  type        = map(string)
  default     = {}
}

variable "filters" {
  description = "Map of short filter name to Personalize filter expression; each becomes a filter named NAME-<short name> (at most 63 characters in all). At most 10 (Personalize's quota per dataset group); an expression is 1-2500 characters. A changed expression replaces its filter (no data is lost)."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.filters) <= 10 && alltrue([for name in keys(var.filters) : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,61}$", name))])
    error_message = "The filters map holds at most 10 filters, named by 1-62 letters, digits, \"-\" or \"_\", starting with a letter or digit."
  }

  validation {
    condition     = alltrue([for expression in values(var.filters) : length(expression) >= 1 && length(expression) <= 2500])
    error_message = "Every filter expression must be 1-2500 characters."
  }
}

variable "enable_event_tracker" {
  description = "Create the dataset group's event tracker, whose tracking ID PutEvents needs (Personalize allows one per dataset group). Creating it is free; ingested events are billed per GB."
  type        = bool
  default     = false
}
