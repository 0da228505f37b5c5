variable "name_prefix" {
  description = "Prefix of every resource name (bucket, role, dataset group): 3-20 lowercase letters, digits or hyphens."
  type        = string
  default     = "movielens"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix)) && !can(regex("--", var.name_prefix))
    error_message = "The name_prefix must be 3-20 lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  description = "AWS region of the stack; Amazon Personalize must be available there (e.g. us-east-1)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "The region must be an AWS region name such as us-east-1 or eu-west-1."
  }
}

variable "role_name" {
  description = "Name of the IAM role Personalize assumes. Null: NAME_PREFIX-personalize-REGION (IAM names are global, so the region keeps two regions of one account apart). Set it to keep an existing role's name, such as NAME_PREFIX-personalize from version 0.1."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.role_name, "-")))
    error_message = "The role_name must be null or 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "tags" {
  description = "Tags for every resource (aws default_tags, and explicit tags on the awscc resources, where they are set at creation only: see modules/dataset-group)."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the bucket (SSE-KMS) and the dataset group. Its key policy must let Personalize use it. Null: SSE-S3 and AWS owned keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "interactions_schema" {
  description = "Interactions schema variant from schemas/ for a custom dataset group: \"interactions\" (USER_ID, ITEM_ID, TIMESTAMP) or \"interactions_event_value\" (adds EVENT_TYPE, EVENT_VALUE). With a domain the domain's schema is used, and only the default is accepted."
  type        = string
  default     = "interactions"

  validation {
    condition     = contains(["interactions", "interactions_event_value"], var.interactions_schema)
    error_message = "The interactions_schema must be \"interactions\" or \"interactions_event_value\"."
  }
}

variable "domain" {
  description = "Domain of the dataset group: null for a custom dataset group (solutions and campaigns) or \"VIDEO_ON_DEMAND\" (recommenders), which selects the bundled schemas video_on_demand_interactions and video_on_demand_items. Set at creation: changing it replaces the dataset group and its datasets, losing the imported data (make plan refuses it without ALLOW_DATA_LOSS=1)."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null || contains(["VIDEO_ON_DEMAND"], coalesce(var.domain, "-"))
    error_message = "The domain must be null (a custom dataset group) or \"VIDEO_ON_DEMAND\"."
  }
}

variable "enable_items_dataset" {
  description = "Create the Items dataset (movie genres and year) next to Interactions."
  type        = bool
  default     = true
}

variable "enable_users_dataset" {
  description = "Create the Users dataset (schemas/users.json: USER_ID and categorical GENDER, AGE, OCCUPATION), in a custom or a VIDEO_ON_DEMAND dataset group. Off by default: only MovieLens 1M and 100K have demographics (`data prepare` writes users.csv for them), and with the dataset on, `import` refuses data prepared without users.csv. Creating the dataset is free; its import bills per GB ingested."
  type        = bool
  default     = false
}

variable "data_prefix" {
  description = "Key prefix in the bucket for the input CSVs, ending with a slash."
  type        = string
  default     = "personalize/input/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.data_prefix))
    error_message = "The data_prefix must be one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash (e.g. \"personalize/input/\")."
  }
}

variable "enable_batch_output" {
  description = "Let Personalize write batch inference output under batch_output_prefix (the role and the bucket policy grant s3:PutObject there only). On by default: `batch recommend` needs it, and the grant costs nothing."
  type        = bool
  default     = true
}

variable "batch_output_prefix" {
  description = "Key prefix in the bucket for batch inference output, ending with a slash (used when enable_batch_output is true)."
  type        = string
  default     = "personalize/output/"

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.'()-]+/)+$", var.batch_output_prefix))
    error_message = "The batch_output_prefix must be one or more path segments, each of letters, digits and !_.'()- (no * or ?, which IAM reads as wildcards) ending with \"/\", without a leading slash."
  }
}

variable "enable_source_account_condition" {
  description = "Guard the bucket policy's Personalize statements with aws:SourceAccount (confused-deputy protection). Set false only if imports fail with \"Insufficient privileges for accessing data in S3\" although the role and bucket policy are right (docs/operations.md)."
  type        = bool
  default     = true
}

variable "force_destroy_bucket" {
  description = "Let terraform destroy delete the data bucket while it still holds objects."
  type        = bool
  default     = false
}

variable "filters" {
  description = "Map of short filter name to Personalize filter expression, declared as filters named NAME_PREFIX-<short name> (at most 10; a changed expression replaces the filter, which loses no data). Null: the defaults in filters/custom.json or filters/video_on_demand.json (\"unwatched\" with EVENT_TYPE in the Interactions schema, \"genre\" with the Items dataset); {} declares none."
  type        = map(string)
  default     = null
}

variable "enable_event_tracker" {
  description = "Create the dataset group's event tracker for PutEvents (`events put`, `events replay`). Creating and keeping it is free; Personalize bills the events recorded through it per GB ingested."
  type        = bool
  default     = true
}
