# The ingestion worker (`chatgepeto worker`): works the RQ queue in Redis. No port, no load
# balancer; scaled on CPU, which embedding keeps busy while jobs run. A task stopped mid-job
# (a deployment, Spot) finishes it or has it retried by another worker. Its entry of
# local.services: services.tf holds what the services share.

locals {
  worker_service = {
    cpu    = var.worker_cpu
    memory = var.worker_memory

    enable_execute_command = var.enable_execute_command
    capacity_provider_strategy = var.worker_fargate_spot ? {
      spot = {
        capacity_provider = "FARGATE_SPOT"
        weight            = 1
      }
    } : null

    volume = local.backend_volumes
    container_definitions = {
      worker = {
        image     = local.backend_image
        command   = ["chatgepeto", "worker"]
        essential = true
        user      = local.backend_user

        environment = local.backend_environment
        secrets     = local.worker_secrets

        readonlyRootFilesystem = true
        mountPoints            = local.backend_mount_points
        linuxParameters        = local.no_capabilities

        # Healthy while this task's RQ worker is registered in Redis (its key expires when it
        # stops beating), as in docker/compose.yaml.
        healthCheck = {
          command     = ["CMD", "python", "-c", "import os, socket, redis, rq; c = redis.Redis.from_url(os.environ['REDIS_URL']); raise SystemExit(0 if any(w.hostname == socket.gethostname() for w in rq.Worker.all(connection=c)) else 1)"]
          interval    = 30
          timeout     = 10
          retries     = 3
          startPeriod = 120
        }
        # SIGTERM is RQ's warm shutdown: the job in hand gets the longest stop timeout Fargate has.
        stopTimeout = 120

        create_cloudwatch_log_group = false
        logConfiguration            = local.log_configuration["worker"]
      }
    }

    security_group_egress_rules = local.task_egress_rules

    task_exec_ssm_param_arns  = [for secret in local.worker_secrets : secret.valueFrom]
    task_exec_iam_statements  = [local.decrypt_through_ssm]
    tasks_iam_role_statements = local.uploads_statements

    autoscaling_min_capacity = var.worker_min_count
    autoscaling_max_capacity = var.worker_max_count
    autoscaling_policies = {
      cpu = {
        policy_type = "TargetTrackingScaling"
        target_tracking_scaling_policy_configuration = {
          predefined_metric_specification = {
            predefined_metric_type = "ECSServiceAverageCPUUtilization"
          }
          target_value       = 70
          scale_in_cooldown  = 600
          scale_out_cooldown = 120
        }
      }
    }
  }
}
