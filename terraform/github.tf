# GitHub Actions reaches AWS through OIDC: no stored key anywhere. Roles:
# - deploy (.github/workflows/deploy.yml): trusted only for this repository's main branch and
#   its `production` environment (restrict that environment to main in the repository's
#   settings); pushes the images, runs the one-off migrate and reindex tasks, rolls the
#   services, mirrors to CodeCommit. Nothing else.
# - terraform-plan / terraform-apply (.github/workflows/terraform.yml, create_terraform_ci_roles):
#   read-only plans for pull requests, applies from the protected `production-infra` environment.

locals {
  github_oidc_url          = "token.actions.githubusercontent.com"
  github_oidc_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_url}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_oidc_url}"
}

resource "aws_codecommit_repository" "mirror" {
  # checkov:skip=CKV2_AWS_37:A mirror the deploy workflow force-pushes; changes are reviewed on GitHub, no pull request is ever opened here.
  repository_name = var.codecommit_repository_name
  description     = "Mirror of github.com/${var.github_repository}, pushed by the deploy workflow"
  kms_key_id      = aws_kms_key.main.arn
}

################################################################################
# The roles, by the name after "<name>-github-": who may assume each (the token's `sub`)
################################################################################

locals {
  github_roles = {
    deploy = {
      create      = true
      description = "GitHub Actions deploys of ${var.github_repository} (main branch only)"
      sid         = "GitHubActionsOnMainOnly"
      subjects = [
        "repo:${var.github_repository}:ref:refs/heads/${var.github_main_branch}",
        "repo:${var.github_repository}:environment:${var.github_deploy_environment}",
      ]
    }
    terraform-plan = {
      create      = var.create_terraform_ci_roles
      description = "Read-only terraform plan of ${var.github_repository}'s pull requests"
      sid         = "GitHubActionsPullRequests"
      subjects    = ["repo:${var.github_repository}:pull_request"]
    }
    terraform-apply = {
      create      = var.create_terraform_ci_roles
      description = "terraform apply of ${var.github_repository}, from its protected ${var.github_terraform_environment} environment"
      sid         = "GitHubActionsProtectedEnvironment"
      subjects    = ["repo:${var.github_repository}:environment:${var.github_terraform_environment}"]
    }
  }
  github_roles_created = { for key, role in local.github_roles : key => role if role.create }
}

# Each role trusts GitHub's OIDC tokens for this audience and its own subjects only: no wildcard.
data "aws_iam_policy_document" "github_assume" {
  for_each = local.github_roles_created

  statement {
    sid     = each.value.sid
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:sub"
      values   = each.value.subjects
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = local.github_roles_created

  name                 = "${local.name}-github-${each.key}"
  description          = each.value.description
  assume_role_policy   = data.aws_iam_policy_document.github_assume[each.key].json
  max_session_duration = 3600
}

################################################################################
# Deploy role's permissions
################################################################################

locals {
  ecs_arn_prefix = "arn:${local.partition}:ecs:${local.region}:${local.account_id}"
  deployed_services = [
    for service in ["api", "worker", "frontend"] : "${local.ecs_arn_prefix}:service/${local.name}/${local.name}-${service}"
  ]
  # The roles the deployed task definitions name: the deploy role may hand exactly these to ECS.
  deployed_task_roles = compact([
    module.service["api"].task_exec_iam_role_arn,
    module.service["api"].tasks_iam_role_arn,
    module.service["worker"].task_exec_iam_role_arn,
    module.service["worker"].tasks_iam_role_arn,
    module.service["frontend"].task_exec_iam_role_arn,
    module.migrate.task_exec_iam_role_arn,
  ])
}

data "aws_iam_policy_document" "github_deploy" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPushAndPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [for repository in aws_ecr_repository.this : repository.arn]
  }

  statement {
    sid = "ReadTaskDefinitions"
    # Neither action supports resource-level permissions.
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "TagTheNewRevisions"
    actions   = ["ecs:TagResource"]
    resources = ["${local.ecs_arn_prefix}:task-definition/${local.name}-*:*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  # The one-off tasks: `chatgepeto migrate` (its own definition) and `chatgepeto reindex` (the
  # worker's definition, command overridden).
  statement {
    sid     = "RunTheOneOffTasks"
    actions = ["ecs:RunTask"]
    resources = [
      "${local.ecs_arn_prefix}:task-definition/${local.name}-migrate:*",
      "${local.ecs_arn_prefix}:task-definition/${local.name}-worker:*",
    ]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [module.ecs_cluster.arn]
    }
  }

  statement {
    sid       = "FollowTheTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = ["${local.ecs_arn_prefix}:task/${local.name}/*"]
  }

  statement {
    sid       = "RollTheServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = local.deployed_services
  }

  statement {
    sid       = "HandTheTaskRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = local.deployed_task_roles

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "MirrorToCodeCommit"
    actions   = ["codecommit:GitPull", "codecommit:GitPush"]
    resources = [aws_codecommit_repository.mirror.arn]
  }

  statement {
    sid       = "CodeCommitMirrorKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["codecommit.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  name   = "deploy"
  role   = aws_iam_role.github["deploy"].id
  policy = data.aws_iam_policy_document.github_deploy.json
}

################################################################################
# Terraform roles' permissions (.github/workflows/terraform.yml)
################################################################################

resource "aws_iam_role_policy_attachment" "github_terraform_plan_read_only" {
  count = var.create_terraform_ci_roles ? 1 : 0

  role       = aws_iam_role.github["terraform-plan"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "github_terraform_plan_state" {
  statement {
    sid       = "ReadTheState"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}", "arn:${local.partition}:s3:::${var.state_bucket}/*"]
  }
}

resource "aws_iam_role_policy" "github_terraform_plan_state" {
  count = var.create_terraform_ci_roles ? 1 : 0

  name   = "state"
  role   = aws_iam_role.github["terraform-plan"].id
  policy = data.aws_iam_policy_document.github_terraform_plan_state.json
}

resource "aws_iam_role_policy_attachment" "github_terraform_apply_admin" {
  # checkov:skip=CKV_AWS_274:Terraform's apply role creates this whole deployment, IAM roles and KMS keys included; it is assumable only from the production-infra environment, whose required reviewers approve each apply.
  count = var.create_terraform_ci_roles ? 1 : 0

  role       = aws_iam_role.github["terraform-apply"].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AdministratorAccess"
}
