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
# Alarms: one resource, one entry each in local.alarms (its name after "<name>-")
################################################################################

# The ingestion queue's backlog: the workers log `queue_backlog` (jobs waiting) every minute.
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

locals {
  # Alarms on the deployment as a whole, by name.
  deployment_alarms = {
    # Metric math: the 5xx answers (the tasks' and the load balancer's) per request, once there
    # are 20 requests in the 5 minutes.
    "5xx-rate" = {
      description         = "More than ${var.alarm_5xx_percent}% of requests answered with a 5xx (by the tasks or the load balancer) over 5 minutes"
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_5xx_percent
      evaluation_periods  = 1
      metric_math = {
        label      = "5xx (% of requests)"
        expression = "IF(requests >= 20, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)"
        namespace  = "AWS/ApplicationELB"
        dimensions = local.alb_dimension
        stat       = "Sum"
        period     = 300
        # The expression's terms by id: metric names.
        metrics = {
          requests  = "RequestCount"
          target5xx = "HTTPCode_Target_5XX_Count"
          elb5xx    = "HTTPCode_ELB_5XX_Count"
        }
      }
    }
    "api-response-time" = {
      description         = "The API's p95 time to first byte stayed above ${var.alarm_response_time_seconds} s for 15 minutes"
      namespace           = "AWS/ApplicationELB"
      metric_name         = "TargetResponseTime"
      dimensions          = local.target_group_dimensions["api"]
      extended_statistic  = "p95"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_response_time_seconds
    }
    "queue-backlog" = {
      description         = "More than ${var.alarm_queue_backlog} ingestion jobs waited on the queue for 15 minutes (workers at their ceiling, or stuck)"
      namespace           = local.metrics_namespace
      metric_name         = aws_cloudwatch_log_metric_filter.queue_backlog.metric_transformation[0].name
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alarm_queue_backlog
    }
  }

  # Alarms repeated for each subject of a kind, the subjects by name with their dimensions:
  # each target group behind the load balancer, each ECS service, the database. An alarm is
  # named "<subject>-<key>"; %s in its description is the subject.
  alarm_subjects = {
    target_group = local.target_group_dimensions
    service      = { for key, name in local.monitored_services : key => { ClusterName = local.name, ServiceName = name } }
    database     = { database = { DBInstanceIdentifier = aws_db_instance.main.identifier } }
  }
  repeated_alarms = {
    target_group = {
      unhealthy-hosts = {
        description         = "A %s task failed the load balancer's health check in 3 of 5 minutes"
        namespace           = "AWS/ApplicationELB"
        metric_name         = "UnHealthyHostCount"
        statistic           = "Maximum"
        period              = 60
        evaluation_periods  = 5
        datapoints_to_alarm = 3
        comparison_operator = "GreaterThanThreshold"
        threshold           = 0
      }
      no-healthy-hosts = {
        description         = "No healthy %s task behind the load balancer for 3 minutes: the site is down"
        namespace           = "AWS/ApplicationELB"
        metric_name         = "HealthyHostCount"
        statistic           = "Minimum"
        period              = 60
        evaluation_periods  = 3
        comparison_operator = "LessThanThreshold"
        threshold           = 1
        treat_missing_data  = "breaching"
      }
    }
    service = {
      cpu = {
        description         = "The %s tasks averaged more than 85%% CPU for 15 minutes (autoscaling at its ceiling?)"
        namespace           = "AWS/ECS"
        metric_name         = "CPUUtilization"
        statistic           = "Average"
        period              = 300
        evaluation_periods  = 3
        comparison_operator = "GreaterThanThreshold"
        threshold           = 85
      }
      memory = {
        description         = "The %s tasks used more than 85%% of their memory for 15 minutes"
        namespace           = "AWS/ECS"
        metric_name         = "MemoryUtilization"
        statistic           = "Maximum"
        period              = 300
        evaluation_periods  = 3
        comparison_operator = "GreaterThanThreshold"
        threshold           = 85
      }
      not-running = {
        description         = "No %s task has been running for 3 minutes"
        namespace           = "ECS/ContainerInsights"
        metric_name         = "RunningTaskCount"
        statistic           = "Minimum"
        period              = 60
        evaluation_periods  = 3
        comparison_operator = "LessThanThreshold"
        threshold           = 1
        treat_missing_data  = "breaching"
      }
    }
    database = {
      cpu = {
        description         = "The %s averaged more than 80%% CPU for 15 minutes"
        namespace           = "AWS/RDS"
        metric_name         = "CPUUtilization"
        statistic           = "Average"
        period              = 300
        evaluation_periods  = 3
        comparison_operator = "GreaterThanThreshold"
        threshold           = 80
      }
      free-storage = {
        description         = "Less than 2 GiB of %s storage left (storage autoscaling at db_max_allocated_storage?)"
        namespace           = "AWS/RDS"
        metric_name         = "FreeStorageSpace"
        statistic           = "Minimum"
        period              = 300
        evaluation_periods  = 1
        comparison_operator = "LessThanThreshold"
        threshold           = 2 * 1024 * 1024 * 1024
      }
    }
  }

  # What an entry leaves out: unset, and no data means no alarm.
  alarm_defaults = {
    namespace           = null
    metric_name         = null
    dimensions          = null
    statistic           = null
    extended_statistic  = null
    period              = null
    datapoints_to_alarm = null
    treat_missing_data  = "notBreaching"
    metric_math         = null
  }

  alarms = {
    for name, alarm in merge(
      local.deployment_alarms,
      # Each repeated alarm once per subject of its kind.
      merge(flatten([
        for family, kinds in local.repeated_alarms : [
          for kind, repeated in kinds : {
            for subject, dimensions in local.alarm_subjects[family] : "${subject}-${kind}" => merge(repeated, {
              description = format(repeated.description, subject)
              dimensions  = dimensions
            })
          }
        ]
      ])...),
    ) : name => merge(local.alarm_defaults, alarm)
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended_statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  # A metric math alarm: the expression it alarms on, then each metric the expression reads.
  dynamic "metric_query" {
    for_each = each.value.metric_math == null ? [] : [each.value.metric_math]

    content {
      id          = "rate"
      label       = metric_query.value.label
      expression  = metric_query.value.expression
      return_data = true
    }
  }

  dynamic "metric_query" {
    for_each = each.value.metric_math == null ? {} : each.value.metric_math.metrics

    content {
      id = metric_query.key

      metric {
        namespace   = each.value.metric_math.namespace
        metric_name = metric_query.value
        dimensions  = each.value.metric_math.dimensions
        stat        = each.value.metric_math.stat
        period      = each.value.metric_math.period
      }
    }
  }
}

################################################################################
# Dashboard
################################################################################

locals {
  # The graphs of every ECS service, one line a service: the metrics of the services' alarms.
  service_graphs = [
    { title = "CPU by service (%)", namespace = "AWS/ECS", metric = "CPUUtilization", stat = "Average", x = 0, y = 6, width = 12 },
    { title = "Memory by service (%)", namespace = "AWS/ECS", metric = "MemoryUtilization", stat = "Maximum", x = 12, y = 6, width = 12 },
    { title = "Running tasks", namespace = "ECS/ContainerInsights", metric = "RunningTaskCount", stat = "Minimum", x = 0, y = 12, width = 8 },
  ]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = concat(
      [
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
      ],
      [
        for graph in local.service_graphs : {
          type   = "metric"
          x      = graph.x
          y      = graph.y
          width  = graph.width
          height = 6
          properties = {
            title   = graph.title
            region  = local.region
            stat    = graph.stat
            period  = 60
            metrics = [for key, service in local.monitored_services : [graph.namespace, graph.metric, "ClusterName", local.name, "ServiceName", service, { label = key }]]
          }
        }
      ],
      [
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
      ],
    )
  })
}
