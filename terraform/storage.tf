# The teachers' original files (S3_BUCKET): private, versioned, encrypted with the deployment's
# key, reachable over TLS only. A second bucket keeps access logs (the load balancer's and this
# bucket's). Both are the registry module's buckets; their policies are written here.

module "uploads_bucket" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  # checkov:skip=CKV_AWS_144:Single-region deployment; versioning and the noncurrent-version window protect the files, and replication would double their cost.
  # checkov:skip=CKV2_AWS_62:Nothing consumes bucket events: uploads reach the workers through the Redis queue.
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 5.6"

  bucket_prefix = "${local.name}-uploads-"

  block_public_acls                = true
  block_public_policy              = true
  ignore_public_acls               = true
  restrict_public_buckets          = true
  skip_destroy_public_access_block = false
  control_object_ownership         = true
  object_ownership                 = "BucketOwnerEnforced"

  versioning = { enabled = true }

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.main.arn
      }
      bucket_key_enabled = true
    }
  }

  lifecycle_rule = [{
    id                                     = "noncurrent-versions-and-incomplete-uploads"
    enabled                                = true
    noncurrent_version_expiration          = { noncurrent_days = var.uploads_noncurrent_days }
    abort_incomplete_multipart_upload_days = 7
  }]

  logging = {
    target_bucket = module.logs_bucket.s3_bucket_id
    target_prefix = "s3/uploads/"
  }

  attach_policy = true
  policy        = data.aws_iam_policy_document.uploads_bucket.json
}

data "aws_iam_policy_document" "uploads_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [module.uploads_bucket.s3_bucket_arn, "${module.uploads_bucket.s3_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

################################################################################
# Access logs
################################################################################

module "logs_bucket" {
  # checkov:skip=CKV_TF_1:A Terraform Registry module pinned by version, as terraform-aws-modules' own examples do; commit hashes apply to git sources.
  # checkov:skip=CKV_AWS_18:This is the access-log bucket; logging it into itself (or into yet another bucket) would only log the log writes.
  # checkov:skip=CKV_AWS_144:Access logs are not replicated to a second region: they are kept for access_log_retention_days, for troubleshooting.
  # checkov:skip=CKV_AWS_145:Load balancer access logs can only be delivered to buckets encrypted with SSE-S3 (AES256), not SSE-KMS.
  # checkov:skip=CKV2_AWS_62:Nothing consumes events of the log bucket.
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 5.6"

  bucket_prefix = "${local.name}-logs-"

  block_public_acls                = true
  block_public_policy              = true
  ignore_public_acls               = true
  restrict_public_buckets          = true
  skip_destroy_public_access_block = false
  control_object_ownership         = true
  object_ownership                 = "BucketOwnerEnforced"

  versioning = { enabled = true }

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm = "AES256"
      }
    }
  }

  lifecycle_rule = [{
    id                                     = "expire-access-logs"
    enabled                                = true
    expiration                             = { days = var.access_log_retention_days }
    noncurrent_version_expiration          = { noncurrent_days = 1 }
    abort_incomplete_multipart_upload_days = 1
  }]

  attach_policy = true
  policy        = data.aws_iam_policy_document.logs_bucket.json
}

# The regional Elastic Load Balancing account (regions older than August 2022) and the log
# delivery service (newer regions) write the load balancer's logs; S3 writes server access logs.
data "aws_elb_service_account" "current" {}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid       = "LoadBalancerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs_bucket.s3_bucket_arn}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "LoadBalancerLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs_bucket.s3_bucket_arn}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs_bucket.s3_bucket_arn}/s3/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [module.logs_bucket.s3_bucket_arn, "${module.logs_bucket.s3_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

locals {
  # What the backend tasks may do with the uploads: read, write and delete originals under the
  # prefix the app uses (S3_PREFIX), with the key that encrypts them.
  uploads_prefix = "uploads/"
  uploads_statements = [
    {
      sid       = "ListTheUploadsPrefix"
      actions   = ["s3:ListBucket"]
      resources = [module.uploads_bucket.s3_bucket_arn]
      condition = [{
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${local.uploads_prefix}*"]
      }]
    },
    {
      sid       = "ReadWriteOriginals"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = ["${module.uploads_bucket.s3_bucket_arn}/${local.uploads_prefix}*"]
    },
    {
      sid       = "UseTheBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [aws_kms_key.main.arn]
      condition = [{
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }]
    },
  ]
}
