# No secret is output: the SSM parameters are given by name (read them with
# `aws ssm get-parameter --with-decryption --name ...`).

output "alb_dns_name" {
  description = "DNS name of the load balancer: point the site's domain at it (CNAME, or a Route 53 alias with alb_zone_id)"
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone of the load balancer, for an alias record"
  value       = module.alb.zone_id
}

output "ecs_cluster_name" {
  description = "Name of the ECS cluster"
  value       = module.ecs_cluster.name
}

output "ecs_service_names" {
  description = "ECS service names by role"
  value = merge(
    { for key, service in module.service : key => service.name },
    { for service in module.chroma : "chroma" => service.name },
  )
}

output "migrate_task_definition_family" {
  description = "Task definition family of the one-off `chatgepeto migrate` task"
  value       = module.migrate.task_definition_family
}

output "private_subnet_ids" {
  description = "Private subnets of the tasks (the deploy workflow's PRIVATE_SUBNETS, for the one-off migrate and reindex tasks)"
  value       = module.vpc.private_subnets
}

output "migrate_security_group_id" {
  description = "Security group the one-off tasks (migrate, reindex) run with, the API's: it reaches the database and Chroma (the deploy workflow's TASK_SECURITY_GROUP)"
  value       = module.service["api"].security_group_id
}

output "ecr_repository_urls" {
  description = "ECR repositories of the backend and frontend images"
  value       = { for key, repository in aws_ecr_repository.this : key => repository.repository_url }
}

output "uploads_bucket" {
  description = "S3 bucket of the original files (S3_BUCKET)"
  value       = module.uploads_bucket.s3_bucket_id
}

output "logs_bucket" {
  description = "S3 bucket of the load balancer's and the uploads bucket's access logs"
  value       = module.logs_bucket.s3_bucket_id
}

output "database_endpoint" {
  description = "Address of the PostgreSQL instance (private; no credentials here)"
  value       = aws_db_instance.main.address
}

output "redis_endpoint" {
  description = "Primary endpoint of the Redis replication group (private; the URL with its token is in SSM)"
  value       = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "secret_parameter_names" {
  description = "Names of the SSM SecureString parameters the containers read (values never output)"
  value = {
    admin_token       = aws_ssm_parameter.admin_token.name
    database_password = aws_ssm_parameter.database_password.name
    groq_api_key      = aws_ssm_parameter.groq_api_key.name
    redis_url         = aws_ssm_parameter.redis_url.name
    session_secret    = aws_ssm_parameter.session_secret.name
  }
}

output "kms_key_arn" {
  description = "ARN of the deployment's customer-managed KMS key"
  value       = aws_kms_key.main.arn
}

output "alarms_topic_arn" {
  description = "SNS topic the alarms publish to (subscribe people or chat hooks to it)"
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_url" {
  description = "The CloudWatch dashboard"
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.main.dashboard_name}"
}

output "codecommit_clone_url_http" {
  description = "HTTPS clone URL of the CodeCommit mirror (the deploy workflow's CODECOMMIT_REPO_URL)"
  value       = aws_codecommit_repository.mirror.clone_url_http
}

output "github_deploy_role_arn" {
  description = "Role the deploy workflow assumes (the repository variable AWS_DEPLOY_ROLE_ARN)"
  value       = aws_iam_role.github["deploy"].arn
}

output "github_actions_variables" {
  description = "The GitHub repository variables the workflows read, ready to paste (Settings, Secrets and variables, Actions, Variables)"
  value = {
    for name, value in {
      AWS_REGION             = local.region
      AWS_DEPLOY_ROLE_ARN    = aws_iam_role.github["deploy"].arn
      AWS_PLAN_ROLE_ARN      = try(aws_iam_role.github["terraform-plan"].arn, null)
      AWS_TERRAFORM_ROLE_ARN = try(aws_iam_role.github["terraform-apply"].arn, null)
      PRIVATE_SUBNETS        = join(",", module.vpc.private_subnets)
      TASK_SECURITY_GROUP    = module.service["api"].security_group_id
      CODECOMMIT_REPO_URL    = aws_codecommit_repository.mirror.clone_url_http
    } : name => value if value != null
  }
}
