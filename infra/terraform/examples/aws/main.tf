# A three-node Strata cluster in a VPC of its own, reachable from client_cidrs.

module "strata" {
  source = "../../modules/strata-cluster"

  name               = var.name
  node_count         = var.node_count
  node_package_url   = var.node_package_url
  kafka_client_cidrs = var.client_cidrs
  http_client_cidrs  = var.client_cidrs

  extra_environment = {
    STRATA_LOG_RETENTION_MS = "604800000"
  }

  tags = {
    environment = "demo"
  }
}
