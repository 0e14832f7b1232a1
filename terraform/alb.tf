# The public entry: HTTP redirects to HTTPS; HTTPS (TLS 1.2+) sends /api/* to the API tasks and
# everything else to the web app, as the compose edge proxy does locally. The browser only ever
# talks to this one origin. Optional sign-in (OIDC or Cognito) is done here, before any forward.

locals {
  alb_oidc = var.alb_oidc == null ? null : {
    issuer                     = var.alb_oidc.issuer
    authorization_endpoint     = var.alb_oidc.authorization_endpoint
    token_endpoint             = var.alb_oidc.token_endpoint
    user_info_endpoint         = var.alb_oidc.user_info_endpoint
    client_id                  = var.alb_oidc.client_id
    client_secret              = data.aws_ssm_parameter.alb_oidc_client_secret[0].value
    scope                      = var.alb_oidc.scope
    session_timeout            = var.alb_oidc.session_timeout
    on_unauthenticated_request = "authenticate"
  }
  alb_cognito = var.alb_cognito == null ? null : {
    user_pool_arn              = var.alb_cognito.user_pool_arn
    user_pool_client_id        = var.alb_cognito.user_pool_client_id
    user_pool_domain           = var.alb_cognito.user_pool_domain
    session_timeout            = var.alb_cognito.session_timeout
    on_unauthenticated_request = "authenticate"
  }
  # The same sign-in in front of /api/*, where a request without a session gets a 401 rather
  # than a redirect a fetch() could not follow.
  alb_api_auth_actions = concat(
    local.alb_oidc == null ? [] : [{ authenticate_oidc = merge(local.alb_oidc, { on_unauthenticated_request = "deny" }) }],
    local.alb_cognito == null ? [] : [{ authenticate_cognito = merge(local.alb_cognito, { on_unauthenticated_request = "deny" }) }],
  )
}

# The OIDC client secret stays in SSM (put there by hand); Terraform reads it for the listener.
data "aws_ssm_parameter" "alb_oidc_client_secret" {
  count = var.alb_oidc == null ? 0 : 1

  name = var.alb_oidc.client_secret_parameter
}

module "alb" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 10.0"

  name    = local.name
  vpc_id  = module.vpc.vpc_id
  subnets = module.vpc.public_subnets

  enable_deletion_protection = var.alb_deletion_protection
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  enable_http2               = true
  # Streamed answers and slow uploads: longer than the 60 s default (the API keeps its idle
  # connections 5 s longer still, so the load balancer never reuses one the API is closing).
  idle_timeout = var.alb_idle_timeout
  # The client is appended to X-Forwarded-For: the entry the API trusts with PROXY_HOPS=1.
  xff_header_processing_mode = "append"

  access_logs = {
    # The module's bucket id comes through its bucket policy: the load balancer checks that it
    # may write there when it is created.
    bucket  = module.logs_bucket.s3_bucket_id
    prefix  = "alb"
    enabled = true
  }

  security_group_ingress_rules = merge([
    for i, cidr in var.alb_ingress_cidrs : {
      "http_${i}" = {
        description = "HTTP from ${cidr} (redirected to HTTPS)"
        ip_protocol = "tcp"
        from_port   = 80
        to_port     = 80
        cidr_ipv4   = cidr
      }
      "https_${i}" = {
        description = "HTTPS from ${cidr}"
        ip_protocol = "tcp"
        from_port   = 443
        to_port     = 443
        cidr_ipv4   = cidr
      }
    }
  ]...)
  security_group_egress_rules = {
    tasks = {
      description = "To the API and web app tasks in the VPC"
      ip_protocol = "-1"
      cidr_ipv4   = var.vpc_cidr
    }
  }

  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      redirect = {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    https = {
      port            = 443
      protocol        = "HTTPS"
      ssl_policy      = var.alb_ssl_policy
      certificate_arn = var.certificate_arn

      routing_http_response_strict_transport_security_header_value = "max-age=31536000"

      # Default: the web app (behind the sign-in, when there is one).
      authenticate_oidc    = local.alb_oidc
      authenticate_cognito = local.alb_cognito
      forward = {
        target_group_key = "frontend"
      }

      rules = {
        # Prometheus metrics are scraped inside the VPC, never served to the internet.
        metrics = {
          priority = 5
          actions = [{
            fixed_response = {
              content_type = "text/plain"
              status_code  = "404"
              message_body = "Not found"
            }
          }]
          conditions = [{
            path_pattern = {
              values = ["/metrics", "/metrics/*"]
            }
          }]
        }

        api = {
          priority = 10
          actions = concat(local.alb_api_auth_actions, [{
            forward = {
              target_group_key = "api"
            }
          }])
          conditions = [{
            path_pattern = {
              values = ["/api/*"]
            }
          }]
        }
      }
    }
  }

  target_groups = {
    api = {
      name_prefix = "api-"
      protocol    = "HTTP"
      port        = 8000
      target_type = "ip"
      # Streamed answers last seconds: the task with the fewest requests in flight gets the next.
      load_balancing_algorithm_type = "least_outstanding_requests"
      # A stopping task finishes its requests within GRACEFUL_TIMEOUT; draining lasts longer.
      deregistration_delay = var.graceful_timeout + 5

      health_check = {
        enabled             = true
        protocol            = "HTTP"
        port                = "traffic-port"
        path                = "/api/health"
        matcher             = "200"
        interval            = 15
        timeout             = 5
        healthy_threshold   = 2
        unhealthy_threshold = 3
      }

      # ECS registers the API tasks' addresses itself.
      create_attachment = false
    }

    frontend = {
      name_prefix          = "web-"
      protocol             = "HTTP"
      port                 = 3000
      target_type          = "ip"
      deregistration_delay = 15

      health_check = {
        enabled             = true
        protocol            = "HTTP"
        port                = "traffic-port"
        path                = "/"
        matcher             = "200-399"
        interval            = 15
        timeout             = 5
        healthy_threshold   = 2
        unhealthy_threshold = 3
      }

      create_attachment = false
    }
  }

  tags = local.tags
}
