output "kafka_bootstrap" {
  description = "Kafka bootstrap address (the load balancer); clients then connect to the nodes' private addresses."
  value       = "${aws_lb.this.dns_name}:${var.kafka_port}"
}

output "http_ingest_url" {
  description = "Base URL of the HTTP API (REST Proxy v2/v3, NDJSON at /ingest/{topic}) through the load balancer."
  value       = "http://${aws_lb.this.dns_name}:${var.http_port}"
}

output "bucket" {
  description = "Name of the bucket holding tiered segments and the cluster metadata."
  value       = aws_s3_bucket.data.bucket
}

output "bucket_prefix" {
  description = "Key prefix of this cluster's objects in the bucket."
  value       = var.bucket_prefix
}

output "node_role_arn" {
  description = "ARN of the nodes' IAM role."
  value       = aws_iam_role.node.arn
}

output "node_security_group_id" {
  description = "Security group of the nodes (add rules for more clients here)."
  value       = aws_security_group.node.id
}

output "autoscaling_group_name" {
  description = "Name of the nodes' auto-scaling group."
  value       = aws_autoscaling_group.nodes.name
}

output "vpc_id" {
  description = "VPC the cluster runs in."
  value       = data.aws_vpc.selected.id
}
