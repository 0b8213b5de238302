variable "region" {
  type        = string
  description = "AWS region to deploy into."
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "name" {
  type        = string
  description = "Name of the cluster."
  default     = "strata-demo"
}

variable "node_package_url" {
  type        = string
  description = "s3:// or https:// URL of the node package (tar -czf strata-node.tar.gz -C ingest/target quarkus-app)."
}

variable "client_cidrs" {
  type        = list(string)
  description = "Networks allowed to use Kafka and HTTP ingest."
}

variable "node_count" {
  type        = number
  description = "Number of nodes."
  default     = 3
}
