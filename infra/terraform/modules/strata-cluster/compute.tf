# One launch template for every node: the user data installs the node and starts it under systemd; each instance
# reads its address, availability zone (its rack) and instance id (its node id claim) from the instance metadata.

resource "aws_launch_template" "node" {
  name_prefix            = "${var.name}-node-"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.node.id]
  user_data              = base64encode(local.user_data)
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.node.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = local.data_device

    ebs {
      volume_type           = "gp3"
      volume_size           = var.data_volume_size_gb
      iops                  = var.data_volume_iops
      throughput            = var.data_volume_throughput
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.common_tags, { Name = "${var.name}-node", (local.discovery_tag_key) = var.name })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.common_tags, { Name = "${var.name}-node" })
  }

  tags = local.common_tags
}

resource "aws_autoscaling_group" "nodes" {
  name_prefix               = "${var.name}-"
  min_size                  = var.node_count
  max_size                  = var.node_count
  desired_capacity          = var.node_count
  vpc_zone_identifier       = local.subnet_ids
  target_group_arns         = [aws_lb_target_group.kafka.arn, aws_lb_target_group.http.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 300
  wait_for_capacity_timeout = "15m"

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  lifecycle {
    precondition {
      condition     = var.vpc_id == null || length(var.subnet_ids) > 0
      error_message = "subnet_ids must name the subnets of vpc_id the nodes run in."
    }
  }

  # One node at a time, so a majority stays up while a new launch template rolls out.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 66
      instance_warmup        = 120
    }
  }

  tag {
    key                 = local.discovery_tag_key
    value               = var.name
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = local.common_tags

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}
