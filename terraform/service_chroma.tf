# The Chroma server (`chroma run`, from the backend image: always the chromadb release the
# clients speak), one task, its data on EFS through an access point owned by the image's user.
# Reached at chroma.<name>.internal:8000 (Cloud Map) by the API and the workers only.
# With var.external_chroma_host set, none of this exists and the containers use that server.

resource "aws_efs_file_system" "chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  creation_token   = "${local.name}-chroma"
  encrypted        = true
  kms_key_id       = aws_kms_key.main.arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }

  lifecycle_policy {
    transition_to_primary_storage_class = "AFTER_1_ACCESS"
  }

  tags = { Name = "${local.name}-chroma" }
}

# Daily backups by AWS Backup's default plan (35 days).
resource "aws_efs_backup_policy" "chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  file_system_id = aws_efs_file_system.chroma[0].id

  backup_policy {
    status = "ENABLED"
  }
}

# Mounts only through TLS, by the Chroma task role, through the access point.
resource "aws_efs_file_system_policy" "chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  file_system_id = aws_efs_file_system.chroma[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ChromaTaskMountsThroughTheAccessPoint"
        Effect    = "Allow"
        Principal = { AWS = module.chroma[0].tasks_iam_role_arn }
        Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
        Resource  = aws_efs_file_system.chroma[0].arn
        Condition = {
          StringEquals = { "elasticfilesystem:AccessPointArn" = aws_efs_access_point.chroma[0].arn }
        }
      },
      {
        Sid       = "DenyUnencryptedTransport"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = "*"
        Resource  = aws_efs_file_system.chroma[0].arn
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ]
  })
}

resource "aws_efs_access_point" "chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  file_system_id = aws_efs_file_system.chroma[0].id

  posix_user {
    uid = 10001
    gid = 10001
  }

  root_directory {
    path = "/chroma"
    creation_info {
      owner_uid   = 10001
      owner_gid   = 10001
      permissions = "0750"
    }
  }

  tags = { Name = "${local.name}-chroma" }
}

resource "aws_security_group" "efs" {
  count = local.chroma_in_cluster ? 1 : 0

  name_prefix = "${local.name}-efs-"
  description = "${local.name}: Chroma's EFS mount targets, NFS from the Chroma task only"
  vpc_id      = module.vpc.vpc_id

  tags = { Name = "${local.name}-efs" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  security_group_id            = aws_security_group.efs[0].id
  description                  = "NFS from the Chroma task"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = module.chroma[0].security_group_id
}

resource "aws_efs_mount_target" "chroma" {
  # One per zone, keyed by the zone's suffix.
  for_each = local.chroma_in_cluster ? { for i, suffix in var.availability_zone_suffixes : suffix => i } : {}

  file_system_id  = aws_efs_file_system.chroma[0].id
  subnet_id       = module.vpc.private_subnets[each.value]
  security_groups = [aws_security_group.efs[0].id]
}

resource "aws_service_discovery_service" "chroma" {
  count = local.chroma_in_cluster ? 1 : 0

  name        = "chroma"
  description = "The Chroma server"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.main.id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }
}

module "chroma" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 6.0"
  count   = local.chroma_in_cluster ? 1 : 0

  name        = "${local.name}-chroma"
  cluster_arn = module.ecs_cluster.arn

  cpu    = var.chroma_cpu
  memory = var.chroma_memory

  # One writer of the files, ever: a deployment stops the old task before it starts the new.
  desired_count                      = 1
  enable_autoscaling                 = false
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  deployment_circuit_breaker = {
    enable   = true
    rollback = true
  }
  enable_execute_command = var.enable_execute_command
  propagate_tags         = "SERVICE"

  service_registries = {
    registry_arn = aws_service_discovery_service.chroma[0].arn
  }

  volume = {
    chroma = {
      efs_volume_configuration = {
        file_system_id     = aws_efs_file_system.chroma[0].id
        transit_encryption = "ENABLED"
        authorization_config = {
          access_point_id = aws_efs_access_point.chroma[0].id
          iam             = "ENABLED"
        }
      }
    }
    tmp = {}
  }

  container_definitions = {
    chroma = {
      image     = local.backend_image
      command   = ["chroma", "run", "--path", "/data", "--host", "0.0.0.0", "--port", "8000"]
      essential = true
      user      = local.backend_user

      portMappings = [{
        name          = "chroma"
        containerPort = 8000
        hostPort      = 8000
        protocol      = "tcp"
      }]

      environment = [
        { name = "ANONYMIZED_TELEMETRY", value = "False" },
      ]

      readonlyRootFilesystem = true
      mountPoints = [
        { sourceVolume = "chroma", containerPath = "/data", readOnly = false },
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      ]
      # tini in front of the server: PID 1 without a handler would ignore SIGTERM.
      linuxParameters = merge(local.no_capabilities, { initProcessEnabled = true })

      healthCheck = {
        command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v2/heartbeat', timeout=4)"]
        interval    = 15
        timeout     = 5
        retries     = 5
        startPeriod = 60
      }
      stopTimeout = 20

      create_cloudwatch_log_group = false
      logConfiguration            = local.log_configuration["chroma"]
    }
  }

  subnet_ids       = module.vpc.private_subnets
  assign_public_ip = false
  security_group_ingress_rules = {
    api = {
      description                  = "Chroma from the API"
      ip_protocol                  = "tcp"
      from_port                    = 8000
      to_port                      = 8000
      referenced_security_group_id = module.service["api"].security_group_id
    }
    worker = {
      description                  = "Chroma from the ingestion workers"
      ip_protocol                  = "tcp"
      from_port                    = 8000
      to_port                      = 8000
      referenced_security_group_id = module.service["worker"].security_group_id
    }
  }
  security_group_egress_rules = local.task_egress_rules

  # The task role mounts the file system (EFS IAM authorization), through the access point.
  tasks_iam_role_statements = [{
    sid       = "MountChromaData"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.chroma[0].arn]
    condition = [{
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.chroma[0].arn]
    }]
  }]

  tags = local.tags

  depends_on = [aws_efs_mount_target.chroma]
}
