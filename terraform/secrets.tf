# The application's secrets: SSM SecureString parameters under the deployment's KMS key, given to
# the containers by ECS (`secrets[].valueFrom`), never as plain environment entries, variables
# or outputs.
#
# - ADMIN_TOKEN, SESSION_SECRET (signs the students' id cookies) and DATABASE_PASSWORD are
#   generated here as ephemeral values and written with write-only arguments: they never reach
#   the plan or the state. Raise *_version to rotate.
# - GROQ_API_KEY is put in its parameter by a person (docs/deploy.md); Terraform only creates the
#   parameter with a placeholder and never reads or overwrites it.
# - REDIS_URL carries the ElastiCache AUTH token, which ElastiCache takes only as a plain
#   argument: that token is in the (encrypted, private) state; nothing else is.

locals {
  parameter_prefix = "/${local.name}"
}

ephemeral "random_password" "admin_token" {
  length  = 48
  special = false
}

resource "aws_ssm_parameter" "admin_token" {
  name        = "${local.parameter_prefix}/ADMIN_TOKEN"
  description = "Bearer token for the API's writes (teachers); read it with aws ssm get-parameter --with-decryption"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn

  value_wo         = ephemeral.random_password.admin_token.result
  value_wo_version = var.admin_token_version

  # Written when value_wo_version changes, and only then: any other update would send a fresh
  # ephemeral value along (a silent rotation).
  lifecycle {
    ignore_changes = [description, key_id, tier, type]
  }
}

ephemeral "random_password" "session_secret" {
  length  = 64
  special = false
}

resource "aws_ssm_parameter" "session_secret" {
  name        = "${local.parameter_prefix}/SESSION_SECRET"
  description = "Signs the anonymous student id cookies (every API task must share it); rotating it gives every student a new id"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn

  value_wo         = ephemeral.random_password.session_secret.result
  value_wo_version = var.session_secret_version

  lifecycle {
    ignore_changes = [description, key_id, tier, type]
  }
}

# Letters and digits only: the password travels inside a URL, and RDS refuses / @ " and spaces.
ephemeral "random_password" "database" {
  length  = 40
  special = false
}

resource "aws_ssm_parameter" "database_password" {
  name        = "${local.parameter_prefix}/DATABASE_PASSWORD"
  description = "Password of the database user ${aws_db_instance.main.username} (DATABASE_URL holds none)"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn

  # The same ephemeral value as aws_db_instance.main's password_wo, in the same apply, written
  # when database_password_version changes and only then (an update for any other reason would
  # send SSM a new password the database does not have). Replacing the database means raising
  # database_password_version in the same apply.
  value_wo         = ephemeral.random_password.database.result
  value_wo_version = var.database_password_version

  lifecycle {
    ignore_changes = [description, key_id, tier, type]
  }
}

resource "aws_ssm_parameter" "groq_api_key" {
  name        = "${local.parameter_prefix}/GROQ_API_KEY"
  description = "Groq API key: put it with aws ssm put-parameter --overwrite, then set groq_enabled = true"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn

  # A placeholder, written once; the real key is put outside Terraform, which never reads it
  # and never updates this parameter (an update would write the placeholder over the key).
  value_wo         = "unset"
  value_wo_version = 1

  lifecycle {
    ignore_changes = all
  }
}

resource "random_password" "redis_auth" {
  length  = 64
  special = false
}

resource "aws_ssm_parameter" "redis_url" {
  name        = "${local.parameter_prefix}/REDIS_URL"
  description = "rediss:// URL of the ElastiCache replication group, with its AUTH token"
  type        = "SecureString"
  key_id      = aws_kms_key.main.arn
  value       = "rediss://:${random_password.redis_auth.result}@${aws_elasticache_replication_group.main.primary_endpoint_address}:6379/0"
}

locals {
  # What the backend containers get from SSM, by container.
  database_secret = [{ name = "DATABASE_PASSWORD", valueFrom = aws_ssm_parameter.database_password.arn }]
  redis_secret    = [{ name = "REDIS_URL", valueFrom = aws_ssm_parameter.redis_url.arn }]
  admin_secret    = [{ name = "ADMIN_TOKEN", valueFrom = aws_ssm_parameter.admin_token.arn }]
  session_secret  = [{ name = "SESSION_SECRET", valueFrom = aws_ssm_parameter.session_secret.arn }]
  groq_secret     = [{ name = "GROQ_API_KEY", valueFrom = aws_ssm_parameter.groq_api_key.arn }]

  api_secrets     = concat(local.admin_secret, local.session_secret, local.database_secret, local.redis_secret, var.groq_enabled ? local.groq_secret : [])
  worker_secrets  = concat(local.database_secret, local.redis_secret)
  migrate_secrets = local.database_secret

  # The task execution roles read exactly their own parameters, decrypted with the key through
  # SSM only.
  decrypt_through_ssm = {
    sid       = "DecryptTheSecretParameters"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
    condition = [{
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }]
  }
}
