provider "aws" {
  region = var.region

  # Every resource, module-made ones included, carries the project's tags.
  default_tags {
    tags = local.tags
  }
}
