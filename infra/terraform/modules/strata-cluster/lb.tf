# A network load balancer in front of the nodes: the Kafka bootstrap (clients then connect to the node addresses
# that Metadata returns) and HTTP ingest. Targets count as healthy when the node reports ready.

resource "aws_lb" "this" {
  name_prefix                      = substr(var.name, 0, 6)
  load_balancer_type               = "network"
  internal                         = var.internal_load_balancer
  subnets                          = local.subnet_ids
  security_groups                  = [aws_security_group.lb.id]
  enable_cross_zone_load_balancing = true
  tags                             = local.common_tags
}

resource "aws_lb_target_group" "kafka" {
  name_prefix          = "kfk-"
  port                 = var.kafka_port
  protocol             = "TCP"
  vpc_id               = local.vpc_id
  target_type          = "instance"
  deregistration_delay = 30

  health_check {
    protocol            = "HTTP"
    port                = tostring(var.http_port)
    path                = "/q/health/ready"
    healthy_threshold   = 2
    unhealthy_threshold = 2
    interval            = 10
  }

  tags = local.common_tags
}

resource "aws_lb_target_group" "http" {
  name_prefix          = "http-"
  port                 = var.http_port
  protocol             = "TCP"
  vpc_id               = local.vpc_id
  target_type          = "instance"
  deregistration_delay = 30

  health_check {
    protocol            = "HTTP"
    port                = tostring(var.http_port)
    path                = "/q/health/ready"
    healthy_threshold   = 2
    unhealthy_threshold = 2
    interval            = 10
  }

  tags = local.common_tags
}

resource "aws_lb_listener" "kafka" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.kafka_port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.kafka.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.http_port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http.arn
  }
}
