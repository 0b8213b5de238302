variable "name" {
  type        = string
  description = "Name of the cluster: prefix of every resource, value of the discovery tag, Hazelcast cluster name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "node_count" {
  type        = number
  description = "Number of nodes (instances in the auto-scaling group). Metadata writes need a majority of them; 3 or more for failover."
  default     = 3

  validation {
    condition     = var.node_count >= 1 && var.node_count <= 15 && floor(var.node_count) == var.node_count
    error_message = "node_count must be a whole number from 1 to 15."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the nodes."
  default     = "m7g.large"
}

variable "architecture" {
  type        = string
  description = "CPU architecture of instance_type, used to pick the Amazon Linux 2023 image when ami_id is not given: arm64 or x86_64."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "ami_id" {
  type        = string
  description = "AMI of the nodes; null picks the latest Amazon Linux 2023 image for architecture. The user data installs Java 17 (dnf or apt) when the image has none."
  default     = null
}

variable "node_package_url" {
  type        = string
  description = "Where instances download the node from: an s3:// or https:// URL of a .tar.gz holding quarkus-app/ (tar -czf strata-node.tar.gz -C ingest/target quarkus-app)."

  validation {
    condition     = can(regex("^(s3|https)://.+\\.(tar\\.gz|tgz)$", var.node_package_url))
    error_message = "node_package_url must be an s3:// or https:// URL of a .tar.gz file."
  }
}

variable "vpc_id" {
  type        = string
  description = "Existing VPC to deploy into; null creates a minimal VPC (public subnets, one per availability zone, an S3 gateway endpoint)."
  default     = null
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of vpc_id for the nodes and the load balancer, ideally in different availability zones. Required with vpc_id; the instances need a route to S3 and the EC2 API (NAT or endpoints)."
  default     = []
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the VPC created when vpc_id is null."
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "availability_zone_count" {
  type        = number
  description = "Availability zones the created VPC spans (one subnet each); nodes are spread over them and each reports its zone as its rack."
  default     = 3

  validation {
    condition     = var.availability_zone_count >= 1 && var.availability_zone_count <= 6
    error_message = "availability_zone_count must be from 1 to 6."
  }
}

variable "kafka_client_cidrs" {
  type        = list(string)
  description = "Networks allowed to reach the Kafka port of the nodes and the load balancer. Kafka clients connect to every node's private address after the bootstrap."

  validation {
    condition     = alltrue([for c in var.kafka_client_cidrs : can(cidrnetmask(c))])
    error_message = "kafka_client_cidrs must be IPv4 CIDR blocks."
  }
}

variable "http_client_cidrs" {
  type        = list(string)
  description = "Networks allowed to reach the HTTP ingest port (REST Proxy API, NDJSON) of the nodes and the load balancer."
  default     = []

  validation {
    condition     = alltrue([for c in var.http_client_cidrs : can(cidrnetmask(c))])
    error_message = "http_client_cidrs must be IPv4 CIDR blocks."
  }
}

variable "internal_load_balancer" {
  type        = bool
  description = "Whether the network load balancer is internal (reachable inside the VPC only). Kafka clients must reach the nodes' private addresses anyway."
  default     = true
}

variable "kafka_port" {
  type        = number
  description = "Kafka listener port of the nodes and the load balancer."
  default     = 9092
}

variable "http_port" {
  type        = number
  description = "HTTP port of the nodes and the load balancer (produce, fetch, health)."
  default     = 8080
}

variable "cluster_port" {
  type        = number
  description = "Hazelcast member port; open only between the nodes."
  default     = 5701
}

variable "bucket_name" {
  type        = string
  description = "Name of the S3 bucket created for tiered segments and cluster metadata; null derives one from name and the account id."
  default     = null
}

variable "bucket_prefix" {
  type        = string
  description = "Key prefix of this cluster's objects in the bucket; the nodes' role is limited to it."
  default     = "strata"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.bucket_prefix))
    error_message = "bucket_prefix must be a non-empty S3 key prefix without leading or trailing slashes."
  }
}

variable "force_destroy_bucket" {
  type        = bool
  description = "Whether terraform destroy deletes the bucket with its objects (all tiered data). Leave false in production."
  default     = false
}

variable "data_volume_size_gb" {
  type        = number
  description = "Size of each node's gp3 data volume (hot segments before tiering)."
  default     = 100

  validation {
    condition     = var.data_volume_size_gb >= 10 && var.data_volume_size_gb <= 16384
    error_message = "data_volume_size_gb must be from 10 to 16384."
  }
}

variable "data_volume_iops" {
  type        = number
  description = "Provisioned IOPS of the gp3 data volume (3000 are included in the gp3 price)."
  default     = 3000
}

variable "data_volume_throughput" {
  type        = number
  description = "Throughput of the gp3 data volume in MiB/s (125 are included in the gp3 price)."
  default     = 125
}

variable "replication_factor" {
  type        = number
  description = "Default replication factor of new topics; at most node_count."
  default     = 3
}

variable "min_insync_replicas" {
  type        = number
  description = "Default min.insync.replicas of new topics (acks=all needs this many in-sync replicas)."
  default     = 2
}

variable "java_options" {
  type        = string
  description = "Extra JVM options of the node, e.g. -Xmx4g."
  default     = "-XX:MaxRAMPercentage=60"
}

variable "extra_environment" {
  type        = map(string)
  description = "More settings for the node as environment variables (e.g. STRATA_LOG_RETENTION_MS, or listener security settings), written to its environment file."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.extra_environment) : can(regex("^[A-Z_][A-Z0-9_]*$", k))])
    error_message = "extra_environment keys must be environment variable names (upper-case letters, digits, underscores)."
  }
}

variable "ec2_endpoint" {
  type        = string
  description = "EC2 API endpoint the nodes' member discovery calls (a host name, or a URL such as a VPC interface endpoint); empty: the region's public endpoint."
  default     = ""
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
