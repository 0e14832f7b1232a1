# The API (`chatgepeto serve`): behind the load balancer's /api/* rule, scaled on CPU and on
# requests per task. Its entry of local.services: services.tf holds what the services share.

locals {
  api_service = {
    cpu    = var.api_cpu
    memory = var.api_memory

    # A new task loads its embedding models before it answers questions.
    health_check_grace_period_seconds = 120
    enable_execute_command            = var.enable_execute_command

    volume = local.backend_volumes
    container_definitions = {
      api = {
        image     = local.backend_image
        command   = ["chatgepeto", "serve"]
        essential = true
        user      = local.backend_user

        portMappings = [{
          name          = "api"
          containerPort = 8000
          hostPort      = 8000
          protocol      = "tcp"
        }]

        environment = local.api_environment
        secrets     = local.api_secrets

        readonlyRootFilesystem = true
        mountPoints            = local.backend_mount_points
        linuxParameters        = local.no_capabilities

        healthCheck = {
          command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]
          interval    = 15
          timeout     = 5
          retries     = 3
          startPeriod = 60
        }
        # SIGTERM: new connections are refused, requests in flight get GRACEFUL_TIMEOUT seconds.
        stopTimeout = var.graceful_timeout + 5

        create_cloudwatch_log_group = false
        logConfiguration            = local.log_configuration["api"]
      }
    }

    load_balancer = {
      api = {
        target_group_arn = module.alb.target_groups["api"].arn
        container_name   = "api"
        container_port   = 8000
      }
    }

    security_group_ingress_rules = {
      alb = {
        description                  = "From the load balancer"
        ip_protocol                  = "tcp"
        from_port                    = 8000
        to_port                      = 8000
        referenced_security_group_id = module.alb.security_group_id
      }
    }
    security_group_egress_rules = local.task_egress_rules

    # Execution role: read these parameters and nothing else. Task role (the app's own AWS
    # calls): the originals in the uploads bucket.
    task_exec_ssm_param_arns  = [for secret in local.api_secrets : secret.valueFrom]
    task_exec_iam_statements  = [local.decrypt_through_ssm]
    tasks_iam_role_statements = local.uploads_statements

    autoscaling_min_capacity = var.api_min_count
    autoscaling_max_capacity = var.api_max_count
    autoscaling_policies = {
      cpu = {
        policy_type = "TargetTrackingScaling"
        target_tracking_scaling_policy_configuration = {
          predefined_metric_specification = {
            predefined_metric_type = "ECSServiceAverageCPUUtilization"
          }
          target_value       = var.api_cpu_target
          scale_in_cooldown  = 300
          scale_out_cooldown = 60
        }
      }
      requests = {
        policy_type = "TargetTrackingScaling"
        target_tracking_scaling_policy_configuration = {
          predefined_metric_specification = {
            predefined_metric_type = "ALBRequestCountPerTarget"
            resource_label         = "${module.alb.arn_suffix}/${module.alb.target_groups["api"].arn_suffix}"
          }
          target_value       = var.api_requests_per_target
          scale_in_cooldown  = 300
          scale_out_cooldown = 60
        }
      }
    }
  }
}
