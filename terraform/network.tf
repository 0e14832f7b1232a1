# Two zones. Public subnets hold the load balancer and the NAT gateway(s) only; the tasks run in
# the private subnets with no public IP and reach the internet (Groq, ECR, SSM, CloudWatch)
# through NAT. The database and the cache get subnets of their own with no route out at all.

module "vpc" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.0"

  name = local.name
  cidr = var.vpc_cidr
  azs  = local.azs

  public_subnets      = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i)]
  private_subnets     = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, i + 1)]
  database_subnets    = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 100)]
  elasticache_subnets = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 110)]

  create_database_subnet_group    = true
  create_elasticache_subnet_group = true

  enable_nat_gateway     = true
  single_nat_gateway     = var.single_nat_gateway
  one_nat_gateway_per_az = !var.single_nat_gateway

  enable_dns_hostnames = true
  enable_dns_support   = true

  # The default security group allows nothing; every resource gets a group of its own.
  manage_default_security_group  = true
  default_security_group_ingress = []
  default_security_group_egress  = []

  enable_flow_log                                 = true
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_max_aggregation_interval               = 60
  flow_log_cloudwatch_log_group_retention_in_days = var.log_retention_days
  flow_log_cloudwatch_log_group_kms_key_id        = aws_kms_key.main.arn

  tags = local.tags
}

# S3 traffic (uploads, ECR image layers) stays off the NAT gateway: a gateway endpoint is free.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = module.vpc.vpc_id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = module.vpc.private_route_table_ids

  tags = { Name = "${local.name}-s3" }
}

# Egress of every task: HTTPS anywhere (Groq, ECR, SSM, CloudWatch Logs, S3) and anything inside
# the VPC (DNS, PostgreSQL, Redis, Chroma, EFS; those ends admit only the tasks that need them).
locals {
  task_egress_rules = {
    https = {
      description = "HTTPS: Groq, ECR, SSM, CloudWatch Logs, S3"
      ip_protocol = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_ipv4   = "0.0.0.0/0"
    }
    vpc = {
      description = "Inside the VPC: DNS, PostgreSQL, Redis, Chroma, EFS"
      ip_protocol = "-1"
      cidr_ipv4   = var.vpc_cidr
    }
  }
}
