################################################################################
# General
################################################################################

variable "name" {
  description = "Name of the deployment: prefix of every resource, the ECS cluster's name, and the `chatgepeto-<service>` names the deploy workflow uses"
  type        = string
  default     = "chatgepeto"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name))
    error_message = "name: 2-20 lowercase letters, digits and hyphens, starting with a letter (it prefixes ALB and target group names, 32 characters at most)."
  }
}

variable "region" {
  description = "AWS region of the whole deployment (docs/deploy.md prices us-east-1; sa-east-1 keeps the data in Brazil at about 1.5x the price)"
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags for every resource (cost allocation, owner)"
  type        = map(string)
  default     = {}
}

################################################################################
# Network
################################################################################

variable "availability_zone_suffixes" {
  description = "The two availability zones, as suffixes of the region's name (us-east-1 + a = us-east-1a)"
  type        = list(string)
  default     = ["a", "b"]

  validation {
    condition     = length(var.availability_zone_suffixes) == 2 && alltrue([for s in var.availability_zone_suffixes : can(regex("^[a-z]$", s))])
    error_message = "availability_zone_suffixes must be two zone letters, such as [\"a\", \"b\"]."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC: two /24 public subnets (load balancer, NAT), two /20 private subnets (tasks), two /24 database and two /24 cache subnets are cut from it"
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) <= 16, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block of /16 or larger."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both zones (cheaper; outbound traffic of the private subnets stops if its zone fails) rather than one per zone"
  type        = bool
  default     = true
}

################################################################################
# Load balancer
################################################################################

variable "certificate_arn" {
  description = "ARN of the ACM certificate of the site's domain, in the deployment's region (the HTTPS listener's certificate)"
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "alb_ssl_policy" {
  description = "TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only"
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-2|TLS-1-2|FS-1-2)", var.alb_ssl_policy))
    error_message = "alb_ssl_policy must allow nothing older than TLS 1.2 (an ELBSecurityPolicy-TLS13-1-2-*, -TLS-1-2-* or -FS-1-2-* policy)."
  }
}

variable "alb_idle_timeout" {
  description = "Seconds a connection may stay silent before the load balancer closes it. Streamed answers send a keep-alive comment every STREAM_KEEPALIVE_SECONDS (10 s), uploads may stall on slow links; the API's keep-alive is set 5 s longer"
  type        = number
  default     = 300

  validation {
    condition     = var.alb_idle_timeout >= 60 && var.alb_idle_timeout <= 3600
    error_message = "alb_idle_timeout must be between 60 and 3600 seconds."
  }
}

variable "alb_ingress_cidrs" {
  description = "IPv4 ranges allowed to reach the load balancer on ports 80 and 443 (a campus network, or everyone)"
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer (turn off only to destroy the deployment)"
  type        = bool
  default     = true
}

variable "alb_oidc" {
  description = "Sign-in in front of the whole site with an OpenID Connect provider (a university's SSO), done by the load balancer; null (default) leaves the site open. The client secret is read from the SSM SecureString parameter named by client_secret_parameter, never from a variable"
  type = object({
    issuer                  = string
    authorization_endpoint  = string
    token_endpoint          = string
    user_info_endpoint      = string
    client_id               = string
    client_secret_parameter = string
    scope                   = optional(string, "openid email")
    session_timeout         = optional(number, 43200)
  })
  default = null
}

variable "alb_cognito" {
  description = "Sign-in in front of the whole site with an Amazon Cognito user pool, done by the load balancer; null (default) leaves the site open. Not together with alb_oidc"
  type = object({
    user_pool_arn       = string
    user_pool_client_id = string
    user_pool_domain    = string
    session_timeout     = optional(number, 43200)
  })
  default = null

  validation {
    condition     = var.alb_cognito == null || var.alb_oidc == null
    error_message = "Set alb_oidc or alb_cognito, not both."
  }
}

variable "access_log_retention_days" {
  description = "Days the load balancer's and the uploads bucket's access logs are kept in the logs bucket"
  type        = number
  default     = 90
}

################################################################################
# Containers
################################################################################

variable "image_tag" {
  description = "Image tag (the commit SHA the deploy workflow pushes) of chatgepeto-backend and chatgepeto-frontend in the task definitions Terraform writes. After the first deploy the workflow rolls api, worker and frontend itself; Chroma keeps this tag, so move it when chromadb changes"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a Docker tag other than latest (tags are immutable: use the commit SHA)."
  }
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into the running tasks (ECS Exec) for debugging"
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days the containers', the VPC flow and the cluster's logs are kept in CloudWatch Logs"
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 365, ...)."
  }
}

variable "backend_environment" {
  description = "Extra plain settings for the backend containers (api, worker, migrate), such as RATELIMIT_ASK or EMBEDDING_MODEL (.env.example lists them). Never a secret: names with KEY, TOKEN, PASSWORD or SECRET are refused"
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.backend_environment) : length(regexall("KEY|TOKEN|PASSWORD|SECRET|REDIS_URL|DATABASE_URL", upper(name))) == 0])
    error_message = "backend_environment holds no secret and no connection string (KEY, TOKEN, PASSWORD, SECRET, REDIS_URL, DATABASE_URL): those come from SSM."
  }
}

variable "groq_enabled" {
  description = "Inject GROQ_API_KEY from SSM into the API. Off until the key has been put in the parameter (docs/deploy.md); off means extractive answers"
  type        = bool
  default     = false
}

variable "groq_model" {
  description = "Groq model that writes the answers (GROQ_MODEL)"
  type        = string
  default     = "llama-3.3-70b-versatile"
}

variable "graceful_timeout" {
  description = "Seconds a stopping API task gives requests in flight, streamed answers too (GRACEFUL_TIMEOUT); the container's stop timeout and the target group's deregistration delay are 5 s longer"
  type        = number
  default     = 30

  validation {
    condition     = var.graceful_timeout >= 5 && var.graceful_timeout <= 110
    error_message = "graceful_timeout must be between 5 and 110 seconds (Fargate stops a container at most 120 s after SIGTERM)."
  }
}

################################################################################
# API service
################################################################################

variable "api_cpu" {
  description = "CPU units of an API task (1024 = 1 vCPU)"
  type        = number
  default     = 1024
}

variable "api_memory" {
  description = "Memory (MiB) of an API task: the two embedding models take about 1.5 GiB"
  type        = number
  default     = 4096
}

variable "api_workers" {
  description = "gunicorn worker processes per API task (WORKERS); each loads the embedding models"
  type        = number
  default     = 1
}

variable "api_threads" {
  description = "Threads per gunicorn worker (THREADS): concurrent requests, streamed answers included"
  type        = number
  default     = 8
}

variable "api_min_count" {
  description = "Fewest API tasks (at least 2 keeps one running through a deployment or a zone failure)"
  type        = number
  default     = 2
}

variable "api_max_count" {
  description = "Most API tasks autoscaling may run"
  type        = number
  default     = 6
}

variable "api_cpu_target" {
  description = "Average CPU (percent) of the API tasks that autoscaling keeps"
  type        = number
  default     = 60
}

variable "api_requests_per_target" {
  description = "Load balancer requests per API task per minute that autoscaling keeps (ALBRequestCountPerTarget)"
  type        = number
  default     = 600
}

################################################################################
# Ingestion worker
################################################################################

variable "worker_cpu" {
  description = "CPU units of an ingestion worker task (embedding the chunks is CPU-bound)"
  type        = number
  default     = 1024
}

variable "worker_memory" {
  description = "Memory (MiB) of an ingestion worker task"
  type        = number
  default     = 4096
}

variable "worker_min_count" {
  description = "Fewest ingestion worker tasks"
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Most ingestion worker tasks autoscaling (on CPU, busy while jobs run) may run"
  type        = number
  default     = 3
}

variable "worker_fargate_spot" {
  description = "Run the workers on Fargate Spot (about 70% cheaper; an interrupted job is retried by another worker)"
  type        = bool
  default     = false
}

################################################################################
# Web app
################################################################################

variable "frontend_cpu" {
  description = "CPU units of a web app task"
  type        = number
  default     = 256
}

variable "frontend_memory" {
  description = "Memory (MiB) of a web app task"
  type        = number
  default     = 512
}

variable "frontend_min_count" {
  description = "Fewest web app tasks"
  type        = number
  default     = 2
}

variable "frontend_max_count" {
  description = "Most web app tasks autoscaling may run"
  type        = number
  default     = 4
}

################################################################################
# Chroma
################################################################################

variable "external_chroma_host" {
  description = "Host name of an existing Chroma server to use instead of the one this deployment runs on ECS (data on EFS); empty (default) runs our own"
  type        = string
  default     = ""
}

variable "external_chroma_port" {
  description = "Port of the external Chroma server (with external_chroma_host)"
  type        = number
  default     = 8000
}

variable "external_chroma_ssl" {
  description = "Whether the external Chroma server speaks TLS (with external_chroma_host)"
  type        = bool
  default     = true
}

variable "chroma_cpu" {
  description = "CPU units of the Chroma server task"
  type        = number
  default     = 512
}

variable "chroma_memory" {
  description = "Memory (MiB) of the Chroma server task (its HNSW indexes live in memory)"
  type        = number
  default     = 2048
}

################################################################################
# PostgreSQL (RDS)
################################################################################

variable "db_instance_class" {
  description = "RDS instance class"
  type        = string
  default     = "db.t4g.micro"
}

variable "db_engine_version" {
  description = "PostgreSQL major version (minor versions are upgraded automatically in the maintenance window)"
  type        = string
  default     = "16"
}

variable "db_allocated_storage" {
  description = "Initial storage of the database (GiB, gp3)"
  type        = number
  default     = 20
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling of the database (GiB)"
  type        = number
  default     = 100
}

variable "db_multi_az" {
  description = "Keep a synchronous standby in the other zone (automatic failover; doubles the database's cost)"
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)"
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (turn off only to destroy the deployment; a final snapshot is taken)"
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Turn on Performance Insights (7 days free; not offered on the smallest instance classes)"
  type        = bool
  default     = false
}

################################################################################
# Redis (ElastiCache)
################################################################################

variable "redis_node_type" {
  description = "ElastiCache node type"
  type        = string
  default     = "cache.t4g.micro"
}

variable "redis_engine_version" {
  description = "Redis OSS engine version"
  type        = string
  default     = "7.1"
}

variable "redis_num_nodes" {
  description = "Nodes of the replication group: 1, or 2 or more for a replica in the other zone with automatic failover (the ingestion queue survives a node failure)"
  type        = number
  default     = 1

  validation {
    condition     = var.redis_num_nodes >= 1 && var.redis_num_nodes <= 6
    error_message = "redis_num_nodes must be between 1 and 6."
  }
}

variable "redis_snapshot_retention_days" {
  description = "Days of daily Redis snapshots"
  type        = number
  default     = 1
}

################################################################################
# Uploads (S3)
################################################################################

variable "uploads_noncurrent_days" {
  description = "Days an overwritten or deleted original file stays recoverable (a noncurrent version) in the uploads bucket"
  type        = number
  default     = 30
}

################################################################################
# Secrets
################################################################################

variable "admin_token_version" {
  description = "Version of the generated admin token: raise it by one to rotate the token (a new random value is written to SSM; docs/deploy.md, Rotate a secret)"
  type        = number
  default     = 1
}

variable "session_secret_version" {
  description = "Version of the generated secret that signs the students' id cookies: raise it by one to rotate it (every student then starts with a new id and an empty history)"
  type        = number
  default     = 1
}

variable "database_password_version" {
  description = "Version of the generated database password: raise it by one to rotate it (written to RDS and SSM in the same apply)"
  type        = number
  default     = 1
}

################################################################################
# Images (ECR)
################################################################################

variable "ecr_keep_images" {
  description = "Tagged images kept per repository (older ones expire): the images a rollback can go back to"
  type        = number
  default     = 30
}

################################################################################
# Monitoring
################################################################################

variable "alarm_email" {
  description = "E-mail address subscribed to the alarms topic (confirm the subscription mail); null: subscribe yourself later"
  type        = string
  default     = null
}

variable "alarm_5xx_percent" {
  description = "Alarm when more than this percentage of requests get a 5xx (from the targets or the load balancer) for 5 minutes"
  type        = number
  default     = 5
}

variable "alarm_response_time_seconds" {
  description = "Alarm when the API's p95 target response time (time to the first byte: a streamed answer's headers) stays above this many seconds"
  type        = number
  default     = 3
}

variable "alarm_queue_backlog" {
  description = "Alarm when more ingestion jobs than this wait on the queue for 15 minutes"
  type        = number
  default     = 50
}

################################################################################
# GitHub Actions and CodeCommit
################################################################################

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the deploy roles through OIDC"
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_main_branch" {
  description = "The branch that deploys (the deploy role trusts it alone)"
  type        = string
  default     = "main"
}

variable "github_deploy_environment" {
  description = "GitHub environment of the deploy job (.github/workflows/deploy.yml); restrict it to the main branch in the repository's settings"
  type        = string
  default     = "production"
}

variable "github_terraform_environment" {
  description = "GitHub environment of the Terraform apply job (.github/workflows/terraform.yml), with required reviewers"
  type        = string
  default     = "production-infra"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider (false if the account has one already: it is then looked up)"
  type        = bool
  default     = true
}

variable "create_terraform_ci_roles" {
  description = "Create the roles .github/workflows/terraform.yml assumes: a read-only plan role for pull requests and an apply role for the protected environment"
  type        = bool
  default     = true
}

variable "state_bucket" {
  description = "Name of the Terraform state bucket (backend.tf), which the plan role may read"
  type        = string
  default     = "chatgepeto-terraform-state"
}

variable "codecommit_repository_name" {
  description = "Name of the CodeCommit repository the deploy workflow mirrors the GitHub repository to"
  type        = string
  default     = "chatgepeto"
}
