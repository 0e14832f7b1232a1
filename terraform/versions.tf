terraform {
  # 1.11: write-only arguments and ephemeral resources (the database password and the admin
  # token never reach the state). The registry modules below need 1.5.7.
  required_version = "~> 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # terraform-aws-modules/ecs 6.x (its latest releases) needs 6.21; alb 10.x needs 6.5.
      version = "~> 6.21"
    }
    random = {
      source = "hashicorp/random"
      # 3.7: the ephemeral random_password.
      version = "~> 3.7"
    }
  }
}
