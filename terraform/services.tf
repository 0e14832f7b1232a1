# The three services the deploy workflow rolls, from one module call: what they share is
# written here once; what each one is (size, container, load balancer, permissions, scaling)
# is its entry in local.services, in service_<key>.tf. Chroma (service_chroma.tf: one stateful
# task, never rolled by CI) and migrate (task_migrate.tf: a task definition, no service) are
# calls of their own.

locals {
  services = {
    api      = merge(local.service_defaults, local.api_service)
    worker   = merge(local.service_defaults, local.worker_service)
    frontend = merge(local.service_defaults, local.frontend_service)
  }

  # What an entry leaves out: the module's own defaults, named so that each entry says only
  # what its service has.
  service_defaults = {
    health_check_grace_period_seconds = null # no load balancer health check to wait for
    enable_execute_command            = false
    capacity_provider_strategy        = null # the cluster's: on-demand Fargate
    volume                            = null
    load_balancer                     = null
    security_group_ingress_rules      = {}
    task_exec_ssm_param_arns          = [] # no secret to read
    task_exec_iam_statements          = null
    create_tasks_iam_role             = true
    tasks_iam_role_statements         = null
  }
}

module "service" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source   = "terraform-aws-modules/ecs/aws//modules/service"
  version  = "~> 6.0"
  for_each = local.services

  name        = "${local.name}-${each.key}"
  cluster_arn = module.ecs_cluster.arn

  cpu    = each.value.cpu
  memory = each.value.memory

  # CI registers the image revisions (.github/workflows/deploy.yml). A deployment starts the new
  # tasks before it stops the old ones, and rolls back when they do not become healthy.
  ignore_task_definition_changes = true
  deployment_circuit_breaker = {
    enable   = true
    rollback = true
  }
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.value.health_check_grace_period_seconds
  enable_execute_command             = each.value.enable_execute_command
  propagate_tags                     = "SERVICE"
  capacity_provider_strategy         = each.value.capacity_provider_strategy

  volume                = each.value.volume
  container_definitions = each.value.container_definitions
  load_balancer         = each.value.load_balancer

  subnet_ids                   = module.vpc.private_subnets
  assign_public_ip             = false
  security_group_ingress_rules = each.value.security_group_ingress_rules
  security_group_egress_rules  = each.value.security_group_egress_rules

  # Execution role: pull the image, write the logs, read the service's own parameters.
  task_exec_ssm_param_arns = each.value.task_exec_ssm_param_arns
  task_exec_iam_statements = each.value.task_exec_iam_statements
  # Task role: the app's own AWS calls.
  create_tasks_iam_role     = each.value.create_tasks_iam_role
  tasks_iam_role_statements = each.value.tasks_iam_role_statements

  # Autoscaled between the entry's bounds, starting at the lower one.
  enable_autoscaling       = true
  desired_count            = each.value.autoscaling_min_capacity
  autoscaling_min_capacity = each.value.autoscaling_min_capacity
  autoscaling_max_capacity = each.value.autoscaling_max_capacity
  autoscaling_policies     = each.value.autoscaling_policies

  tags = local.tags
}
