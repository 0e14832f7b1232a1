# `chatgepeto migrate` as a one-off task: a task definition with no service. The deploy workflow
# runs it (with the commit's image) before any new API task starts, in the private subnets with
# the API's security group (outputs private_subnet_ids and migrate_security_group_id).

module "migrate" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 6.0"

  name           = "${local.name}-migrate"
  cluster_arn    = module.ecs_cluster.arn
  create_service = false

  cpu    = 512
  memory = 2048

  volume = local.backend_volumes

  container_definitions = {
    migrate = {
      image     = local.backend_image
      command   = ["chatgepeto", "migrate"]
      essential = true
      user      = local.backend_user

      environment = local.backend_environment
      secrets     = local.migrate_secrets

      readonlyRootFilesystem = true
      mountPoints            = local.backend_mount_points
      linuxParameters        = local.no_capabilities

      create_cloudwatch_log_group = false
      logConfiguration            = local.log_configuration["migrate"]
    }
  }

  subnet_ids            = module.vpc.private_subnets
  create_security_group = false
  enable_autoscaling    = false
  create_tasks_iam_role = false

  task_exec_ssm_param_arns = [for secret in local.migrate_secrets : secret.valueFrom]
  task_exec_iam_statements = [local.decrypt_through_ssm]

  tags = local.tags
}
