# Where resources of an existing deployment went when blocks became maps (issue 17): Terraform
# moves their state to the new addresses instead of destroying and recreating them. Keep these
# blocks while any deployment may still hold the old addresses.

################################################################################
# Alarms: one resource over local.alarms (monitoring.tf)
################################################################################

moved {
  from = aws_cloudwatch_metric_alarm.http_5xx_rate
  to   = aws_cloudwatch_metric_alarm.this["5xx-rate"]
}

moved {
  from = aws_cloudwatch_metric_alarm.api_response_time
  to   = aws_cloudwatch_metric_alarm.this["api-response-time"]
}

moved {
  from = aws_cloudwatch_metric_alarm.queue_backlog
  to   = aws_cloudwatch_metric_alarm.this["queue-backlog"]
}

moved {
  from = aws_cloudwatch_metric_alarm.database_cpu
  to   = aws_cloudwatch_metric_alarm.this["database-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.database_storage
  to   = aws_cloudwatch_metric_alarm.this["database-free-storage"]
}

moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_hosts["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-unhealthy-hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_hosts["frontend"]
  to   = aws_cloudwatch_metric_alarm.this["frontend-unhealthy-hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.no_healthy_hosts["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-no-healthy-hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.no_healthy_hosts["frontend"]
  to   = aws_cloudwatch_metric_alarm.this["frontend-no-healthy-hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_cpu["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_cpu["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_cpu["frontend"]
  to   = aws_cloudwatch_metric_alarm.this["frontend-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_cpu["chroma"]
  to   = aws_cloudwatch_metric_alarm.this["chroma-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_memory["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-memory"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_memory["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-memory"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_memory["frontend"]
  to   = aws_cloudwatch_metric_alarm.this["frontend-memory"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_memory["chroma"]
  to   = aws_cloudwatch_metric_alarm.this["chroma-memory"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_running["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-not-running"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_running["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-not-running"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_running["frontend"]
  to   = aws_cloudwatch_metric_alarm.this["frontend-not-running"]
}

moved {
  from = aws_cloudwatch_metric_alarm.service_running["chroma"]
  to   = aws_cloudwatch_metric_alarm.this["chroma-not-running"]
}

################################################################################
# GitHub OIDC roles: one resource over local.github_roles (github.tf)
################################################################################

moved {
  from = aws_iam_role.github_deploy
  to   = aws_iam_role.github["deploy"]
}

moved {
  from = aws_iam_role.github_terraform_plan[0]
  to   = aws_iam_role.github["terraform-plan"]
}

moved {
  from = aws_iam_role.github_terraform_apply[0]
  to   = aws_iam_role.github["terraform-apply"]
}

################################################################################
# ECS services: one module call over local.services (services.tf)
################################################################################

moved {
  from = module.api
  to   = module.service["api"]
}

moved {
  from = module.worker
  to   = module.service["worker"]
}

moved {
  from = module.frontend
  to   = module.service["frontend"]
}

################################################################################
# S3 buckets: the registry module (storage.tf)
################################################################################

moved {
  from = aws_s3_bucket.uploads
  to   = module.uploads_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.uploads
  to   = module.uploads_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.uploads
  to   = module.uploads_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_versioning.uploads
  to   = module.uploads_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.uploads
  to   = module.uploads_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.uploads
  to   = module.uploads_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.uploads
  to   = module.uploads_bucket.aws_s3_bucket_logging.this[0]
}

moved {
  from = aws_s3_bucket_policy.uploads
  to   = module.uploads_bucket.aws_s3_bucket_policy.this[0]
}

moved {
  from = aws_s3_bucket.logs
  to   = module.logs_bucket.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs_bucket.aws_s3_bucket_public_access_block.this[0]
}

moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.logs_bucket.aws_s3_bucket_ownership_controls.this[0]
}

moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs_bucket.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.logs
  to   = module.logs_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.logs
  to   = module.logs_bucket.aws_s3_bucket_policy.this[0]
}
