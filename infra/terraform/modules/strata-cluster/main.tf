data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ssm_parameter" "al2023" {
  count = var.ami_id == null ? 1 : 0
  name  = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${var.architecture}"
}

locals {
  create_vpc = var.vpc_id == null
  vpc_id     = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  subnet_ids = local.create_vpc ? aws_subnet.public[*].id : var.subnet_ids

  bucket_name = coalesce(var.bucket_name, "${var.name}-${data.aws_caller_identity.current.account_id}-strata")
  bucket_arn  = aws_s3_bucket.data.arn

  # The node package, when it lives in S3, is the one other object the nodes may read.
  package_object_arn = startswith(var.node_package_url, "s3://") ? "arn:${data.aws_partition.current.partition}:s3:::${trimprefix(var.node_package_url, "s3://")}" : null

  discovery_tag_key = "strata-cluster"
  ami_id            = var.ami_id != null ? var.ami_id : nonsensitive(data.aws_ssm_parameter.al2023[0].value)

  # Where the node lives on an instance; the second EBS volume is mounted at the data directory.
  data_device = "/dev/sdf"

  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    cluster_name      = var.name
    node_count        = var.node_count
    region            = data.aws_region.current.region
    bucket            = local.bucket_name
    bucket_prefix     = var.bucket_prefix
    s3_endpoint       = "https://s3.${data.aws_region.current.region}.amazonaws.com"
    s3_path_style     = "false"
    package_url       = var.node_package_url
    kafka_port        = var.kafka_port
    http_port         = var.http_port
    cluster_port      = var.cluster_port
    tag_key           = local.discovery_tag_key
    ec2_endpoint      = var.ec2_endpoint
    replication       = min(var.replication_factor, var.node_count)
    min_insync        = min(var.min_insync_replicas, var.node_count)
    java_options      = var.java_options
    extra_environment = join("\n", [for k in sort(keys(var.extra_environment)) : "${k}=${var.extra_environment[k]}"])
    data_device       = local.data_device
    install_dir       = "/opt/strata"
    data_dir          = "/var/lib/strata"
    config_dir        = "/etc/strata"
    systemd_dir       = "/etc/systemd/system"
    run_user          = "strata"
  })

  common_tags = merge(var.tags, {
    "strata:cluster" = var.name
  })
}
