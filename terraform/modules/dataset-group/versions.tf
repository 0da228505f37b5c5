terraform {
  required_version = ">= 1.3.0"

  required_providers {
    awscc = {
      source  = "hashicorp/awscc"
      version = ">= 1.106.0, < 2.0.0"
    }
  }
}
