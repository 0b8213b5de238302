# Kafka and HTTP from the client networks (and the load balancer); Kafka (replication) and Hazelcast between the
# nodes only, through the node group referencing itself.

resource "aws_security_group" "lb" {
  name_prefix = "${var.name}-lb-"
  description = "Strata load balancer: Kafka bootstrap and HTTP ingest from the client networks"
  vpc_id      = local.vpc_id
  tags        = merge(local.common_tags, { Name = "${var.name}-lb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "node" {
  name_prefix = "${var.name}-node-"
  description = "Strata nodes"
  vpc_id      = local.vpc_id
  tags        = merge(local.common_tags, { Name = "${var.name}-node" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "lb_kafka" {
  for_each          = toset(var.kafka_client_cidrs)
  security_group_id = aws_security_group.lb.id
  description       = "Kafka bootstrap"
  ip_protocol       = "tcp"
  from_port         = var.kafka_port
  to_port           = var.kafka_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "lb_http" {
  for_each          = toset(var.http_client_cidrs)
  security_group_id = aws_security_group.lb.id
  description       = "HTTP ingest"
  ip_protocol       = "tcp"
  from_port         = var.http_port
  to_port           = var.http_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "lb_to_nodes" {
  for_each                     = toset([tostring(var.kafka_port), tostring(var.http_port)])
  security_group_id            = aws_security_group.lb.id
  description                  = "To the nodes"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.node.id
}

resource "aws_vpc_security_group_ingress_rule" "node_kafka_clients" {
  for_each          = toset(var.kafka_client_cidrs)
  security_group_id = aws_security_group.node.id
  description       = "Kafka clients (after the bootstrap they connect to each node)"
  ip_protocol       = "tcp"
  from_port         = var.kafka_port
  to_port           = var.kafka_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "node_http_clients" {
  for_each          = toset(var.http_client_cidrs)
  security_group_id = aws_security_group.node.id
  description       = "HTTP clients"
  ip_protocol       = "tcp"
  from_port         = var.http_port
  to_port           = var.http_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "node_from_lb" {
  for_each                     = toset([tostring(var.kafka_port), tostring(var.http_port)])
  security_group_id            = aws_security_group.node.id
  description                  = "Load balancer traffic and health checks"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.lb.id
}

resource "aws_vpc_security_group_ingress_rule" "node_replication" {
  security_group_id            = aws_security_group.node.id
  description                  = "Replica fetches between the nodes"
  ip_protocol                  = "tcp"
  from_port                    = var.kafka_port
  to_port                      = var.kafka_port
  referenced_security_group_id = aws_security_group.node.id
}

resource "aws_vpc_security_group_ingress_rule" "node_cluster" {
  security_group_id            = aws_security_group.node.id
  description                  = "Hazelcast membership, between the nodes only"
  ip_protocol                  = "tcp"
  from_port                    = var.cluster_port
  to_port                      = var.cluster_port
  referenced_security_group_id = aws_security_group.node.id
}

resource "aws_vpc_security_group_egress_rule" "node_all" {
  security_group_id = aws_security_group.node.id
  description       = "S3, the EC2 API, package mirrors and the other nodes"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
