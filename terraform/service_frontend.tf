# The web app (Next.js standalone, `node server.js`): the load balancer's default target. It
# writes nothing at run time (no image optimisation, no incremental regeneration), so its root
# file system is read-only with no storage at all, and it makes no AWS call (no task role). Its
# entry of local.services: services.tf holds what the services share.

locals {
  frontend_service = {
    cpu    = var.frontend_cpu
    memory = var.frontend_memory

    health_check_grace_period_seconds = 30

    container_definitions = {
      frontend = {
        image     = local.frontend_image
        essential = true
        user      = local.frontend_user

        portMappings = [{
          name          = "frontend"
          containerPort = 3000
          hostPort      = 3000
          protocol      = "tcp"
        }]

        environment = [
          { name = "NODE_ENV", value = "production" },
          { name = "NEXT_TELEMETRY_DISABLED", value = "1" },
        ]

        readonlyRootFilesystem = true
        linuxParameters        = local.no_capabilities

        healthCheck = {
          command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:3000/').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
          interval    = 15
          timeout     = 5
          retries     = 3
          startPeriod = 20
        }
        stopTimeout = 15

        create_cloudwatch_log_group = false
        logConfiguration            = local.log_configuration["frontend"]
      }
    }

    load_balancer = {
      frontend = {
        target_group_arn = module.alb.target_groups["frontend"].arn
        container_name   = "frontend"
        container_port   = 3000
      }
    }


    security_group_ingress_rules = {
      alb = {
        description                  = "From the load balancer"
        ip_protocol                  = "tcp"
        from_port                    = 3000
        to_port                      = 3000
        referenced_security_group_id = module.alb.security_group_id
      }
    }
    security_group_egress_rules = {
      https = local.task_egress_rules.https
    }

    create_tasks_iam_role = false

    autoscaling_min_capacity = var.frontend_min_count
    autoscaling_max_capacity = var.frontend_max_count
    autoscaling_policies = {
      cpu = {
        policy_type = "TargetTrackingScaling"
        target_tracking_scaling_policy_configuration = {
          predefined_metric_specification = {
            predefined_metric_type = "ECSServiceAverageCPUUtilization"
          }
          target_value = 60
        }
      }
    }
  }
}
