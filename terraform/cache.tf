# Redis (REDIS_URL): the RQ ingestion queue, the rate-limit counters and the circuit breakers
# shared by every API process. TLS in transit (rediss://, which redis-py, RQ and limits accept),
# an AUTH token, encrypted at rest, reachable from the API and worker tasks only.

resource "aws_security_group" "redis" {
  name_prefix = "${local.name}-redis-"
  description = "${local.name}: Redis, from the API and worker tasks only"
  vpc_id      = module.vpc.vpc_id

  tags = { Name = "${local.name}-redis" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  for_each = {
    api    = module.service["api"].security_group_id
    worker = module.service["worker"].security_group_id
  }

  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the ${each.key} tasks"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = each.value
}

resource "aws_cloudwatch_log_group" "redis" {
  name              = "/elasticache/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_elasticache_replication_group" "main" {
  # checkov:skip=CKV2_AWS_50:Multi-AZ failover is the redis_num_nodes variable: one node by default for a small class, 2 in the university profile (docs/deploy.md); jobs are also rows in PostgreSQL.
  replication_group_id = local.name
  description          = "${local.name}: ingestion queue, rate limits, circuit breakers"

  engine                     = "redis"
  engine_version             = var.redis_engine_version
  auto_minor_version_upgrade = true
  node_type                  = var.redis_node_type
  port                       = 6379

  num_cache_clusters         = var.redis_num_nodes
  automatic_failover_enabled = var.redis_num_nodes > 1
  multi_az_enabled           = var.redis_num_nodes > 1

  subnet_group_name  = module.vpc.elasticache_subnet_group_name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.main.arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.redis_auth.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit = var.redis_snapshot_retention_days
  snapshot_window          = "03:00-04:00"
  maintenance_window       = "sun:05:00-sun:06:00"

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
