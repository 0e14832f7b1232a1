# The ECS cluster (Fargate only) and what its services share: images, settings, log groups,
# the private DNS namespace, the task storage the read-only containers write to.
#
# Terraform writes the task definitions; after the first deploy the deploy workflow registers
# new revisions of api, worker, frontend and migrate with the commit's image
# (`ignore_task_definition_changes`), so an apply never rolls an image back.

module "ecs_cluster" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source  = "terraform-aws-modules/ecs/aws//modules/cluster"
  version = "~> 6.0"

  name = local.name

  setting = [{
    name  = "containerInsights"
    value = "enabled"
  }]

  # ECS Exec sessions (when enabled) are logged, encrypted, here.
  cloudwatch_log_group_retention_in_days = var.log_retention_days
  cloudwatch_log_group_kms_key_id        = aws_kms_key.main.arn

  # On-demand Fargate by default; Spot is attached for the workers (worker_fargate_spot).
  default_capacity_provider_strategy = {
    FARGATE = {
      weight = 1
      base   = 1
    }
    FARGATE_SPOT = {
      weight = 0
    }
  }

  tags = local.tags
}

# Private DNS for the services that call each other: chroma.<name>.internal.
resource "aws_service_discovery_private_dns_namespace" "main" {
  name        = "${local.name}.internal"
  description = "${local.name}: service discovery inside the VPC"
  vpc         = module.vpc.vpc_id
}

locals {
  backend_image  = "${aws_ecr_repository.this["backend"].repository_url}:${var.image_tag}"
  frontend_image = "${aws_ecr_repository.this["frontend"].repository_url}:${var.image_tag}"

  chroma_in_cluster = var.external_chroma_host == ""
  chroma = {
    host = local.chroma_in_cluster ? "chroma.${aws_service_discovery_private_dns_namespace.main.name}" : var.external_chroma_host
    port = local.chroma_in_cluster ? 8000 : var.external_chroma_port
    ssl  = local.chroma_in_cluster ? false : var.external_chroma_ssl
  }

  # No password in it: DATABASE_PASSWORD comes from SSM and the app puts it in (settings.py).
  database_url = "postgresql://${aws_db_instance.main.username}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${aws_db_instance.main.db_name}?sslmode=require"

  # Plain settings of every backend container (.env.example explains each). No secret here:
  # those are local.*_secrets, from SSM.
  backend_settings = {
    DATA_DIR     = "/data"
    DATABASE_URL = local.database_url
    CHROMA_HOST  = local.chroma.host
    CHROMA_PORT  = tostring(local.chroma.port)
    CHROMA_SSL   = tostring(local.chroma.ssl)
    JOB_RUNNER   = "rq"
    JOB_QUEUE    = "ingest"
    S3_BUCKET    = module.uploads_bucket.s3_bucket_id
    S3_PREFIX    = local.uploads_prefix
    AWS_REGION   = local.region
    GROQ_MODEL   = var.groq_model
    LOG_LEVEL    = "INFO"
    LOG_JSON     = "true"
    # The root file system is read-only: library caches go to the task storage on /tmp.
    XDG_CACHE_HOME = "/tmp/cache"
    HF_HOME        = "/tmp/cache/huggingface"
  }
  # The API's own.
  api_settings = {
    # One proxy in front: the ALB, which appends the client to X-Forwarded-For.
    PROXY_HOPS        = "1"
    WORKERS           = tostring(var.api_workers)
    THREADS           = tostring(var.api_threads)
    GRACEFUL_TIMEOUT  = tostring(var.graceful_timeout)
    KEEPALIVE_SECONDS = tostring(var.alb_idle_timeout + 5)
  }
  # As ECS wants them; var.backend_environment (no secret names, its validation says) last.
  backend_environment = [
    for name, value in merge(local.backend_settings, var.backend_environment) : { name = name, value = value }
  ]
  api_environment = [
    for name, value in merge(local.backend_settings, local.api_settings, var.backend_environment) : { name = name, value = value }
  ]

  # Task storage (Fargate ephemeral storage, gone with the task) where the read-only backend
  # containers write: DATA_DIR (temporary files of uploads and S3 reads; the originals are in
  # S3, the data in RDS and Chroma) and /tmp. The image declares both as VOLUMEs, so Fargate
  # gives them the image's owner (10001).
  backend_volumes = {
    data = {}
    tmp  = {}
  }
  backend_mount_points = [
    { sourceVolume = "data", containerPath = "/data", readOnly = false },
    { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
  ]

  # The unprivileged users the images declare (docker/*.Dockerfile), stated again here.
  backend_user  = "10001:10001"
  frontend_user = "1000:1000"
  no_capabilities = {
    capabilities = {
      drop = ["ALL"]
    }
  }

  log_groups = toset(concat(["api", "worker", "frontend", "migrate"], local.chroma_in_cluster ? ["chroma"] : []))
  log_configuration = {
    for name in local.log_groups : name => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.containers[name].name
        awslogs-region        = local.region
        awslogs-stream-prefix = name
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "containers" {
  for_each = local.log_groups

  name              = "/ecs/${local.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}
