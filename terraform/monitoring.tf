# Alarms (to an SNS topic) and one dashboard: errors and latency at the load balancer, healthy
# targets, CPU and memory of every service, tasks running, the ingestion queue's backlog, the
# database's CPU and storage.

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]

  # ECS service names by short name (static, so that they can key for_each).
  monitored_services = {
    for key, name in {
      api      = "${local.name}-api"
      worker   = "${local.name}-worker"
      frontend = "${local.name}-frontend"
      chroma   = "${local.name}-chroma"
    } : key => name if key != "chroma" || local.chroma_in_cluster
  }

  alb_dimension = { LoadBalancer = module.alb.arn_suffix }
  target_group_dimensions = {
    for key in ["api", "frontend"] : key => {
      LoadBalancer = module.alb.arn_suffix
      TargetGroup  = module.alb.target_groups[key].arn_suffix
    }
  }
  metrics_namespace = "ChatGepeto/${local.name}"
}

################################################################################
# Load balancer
################################################################################

resource "aws_cloudwatch_metric_alarm" "http_5xx_rate" {
  alarm_name          = "${local.name}-5xx-rate"
  alarm_description   = "More than ${var.alarm_5xx_percent}% of requests answered with a 5xx (by the tasks or the load balancer) over 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_5xx_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    label       = "5xx (% of requests)"
    expression  = "IF(requests >= 20, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)"
    return_data = true
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.alb_dimension
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "target5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alb_dimension
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "elb5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dimension
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_response_time" {
  alarm_name          = "${local.name}-api-response-time"
  alarm_description   = "The API's p95 time to first byte stayed above ${var.alarm_response_time_seconds} s for 15 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.target_group_dimensions["api"]
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_response_time_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = local.target_group_dimensions

  alarm_name          = "${local.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "A ${each.key} task failed the load balancer's health check in 3 of 5 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = each.value
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "no_healthy_hosts" {
  for_each = local.target_group_dimensions

  alarm_name          = "${local.name}-${each.key}-no-healthy-hosts"
  alarm_description   = "No healthy ${each.key} task behind the load balancer for 3 minutes: the site is down"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = each.value
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

################################################################################
# ECS services
################################################################################

resource "aws_cloudwatch_metric_alarm" "service_cpu" {
  for_each = local.monitored_services

  alarm_name          = "${local.name}-${each.key}-cpu"
  alarm_description   = "The ${each.key} tasks averaged more than 85% CPU for 15 minutes (autoscaling at its ceiling?)"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = { ClusterName = local.name, ServiceName = each.value }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 85
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "service_memory" {
  for_each = local.monitored_services

  alarm_name          = "${local.name}-${each.key}-memory"
  alarm_description   = "The ${each.key} tasks used more than 85% of their memory for 15 minutes"
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = local.name, ServiceName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 85
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "service_running" {
  for_each = local.monitored_services

  alarm_name          = "${local.name}-${each.key}-not-running"
  alarm_description   = "No ${each.key} task has been running for 3 minutes"
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = local.name, ServiceName = each.value }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

################################################################################
# Ingestion queue backlog: the workers log `queue_backlog` (jobs waiting) every minute
################################################################################

resource "aws_cloudwatch_log_metric_filter" "queue_backlog" {
  name           = "${local.name}-queue-backlog"
  log_group_name = aws_cloudwatch_log_group.containers["worker"].name
  pattern        = "{ $.event = \"queue_backlog\" }"

  metric_transformation {
    name      = "IngestionQueueBacklog"
    namespace = local.metrics_namespace
    value     = "$.queued"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "queue_backlog" {
  alarm_name          = "${local.name}-queue-backlog"
  alarm_description   = "More than ${var.alarm_queue_backlog} ingestion jobs waited on the queue for 15 minutes (workers at their ceiling, or stuck)"
  namespace           = local.metrics_namespace
  metric_name         = aws_cloudwatch_log_metric_filter.queue_backlog.metric_transformation[0].name
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_queue_backlog
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

################################################################################
# Database
################################################################################

resource "aws_cloudwatch_metric_alarm" "database_cpu" {
  alarm_name          = "${local.name}-database-cpu"
  alarm_description   = "The database averaged more than 80% CPU for 15 minutes"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "database_storage" {
  alarm_name          = "${local.name}-database-free-storage"
  alarm_description   = "Less than 2 GiB of database storage left (storage autoscaling at db_max_allocated_storage?)"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 2 * 1024 * 1024 * 1024
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

################################################################################
# Dashboard
################################################################################

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Requests and errors"
          region = local.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", module.alb.arn_suffix],
            [".", "HTTPCode_Target_5XX_Count", ".", "."],
            [".", "HTTPCode_ELB_5XX_Count", ".", "."],
            [".", "HTTPCode_Target_4XX_Count", ".", "."],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "API time to first byte (s)"
          region = local.region
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", module.alb.arn_suffix, "TargetGroup", module.alb.target_groups["api"].arn_suffix, { stat = "p50", label = "p50" }],
            ["...", { stat = "p95", label = "p95" }],
          ]
          annotations = { horizontal = [{ value = var.alarm_response_time_seconds, label = "alarm" }] }
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 12
        height = 6
        properties = {
          title   = "CPU by service (%)"
          region  = local.region
          stat    = "Average"
          period  = 60
          metrics = [for key, service in local.monitored_services : ["AWS/ECS", "CPUUtilization", "ClusterName", local.name, "ServiceName", service, { label = key }]]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 6
        width  = 12
        height = 6
        properties = {
          title   = "Memory by service (%)"
          region  = local.region
          stat    = "Maximum"
          period  = 60
          metrics = [for key, service in local.monitored_services : ["AWS/ECS", "MemoryUtilization", "ClusterName", local.name, "ServiceName", service, { label = key }]]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 12
        width  = 8
        height = 6
        properties = {
          title   = "Running tasks"
          region  = local.region
          stat    = "Minimum"
          period  = 60
          metrics = [for key, service in local.monitored_services : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", local.name, "ServiceName", service, { label = key }]]
        }
      },
      {
        type   = "metric"
        x      = 8
        y      = 12
        width  = 8
        height = 6
        properties = {
          title  = "Ingestion jobs waiting"
          region = local.region
          stat   = "Maximum"
          period = 60
          metrics = [
            [local.metrics_namespace, "IngestionQueueBacklog", { label = "queued" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 16
        y      = 12
        width  = 8
        height = 6
        properties = {
          title  = "Database"
          region = local.region
          period = 300
          metrics = [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", aws_db_instance.main.identifier, { stat = "Average", label = "CPU %" }],
            [".", "DatabaseConnections", ".", ".", { stat = "Maximum", label = "connections", yAxis = "right" }],
          ]
        }
      },
    ]
  })
}
