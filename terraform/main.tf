data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The two zones by name (region + suffix), checked to exist: a fixed set, never one that grows
# when AWS opens a zone.
data "aws_availability_zones" "selected" {
  state = "available"

  filter {
    name   = "zone-name"
    values = [for suffix in var.availability_zone_suffixes : "${var.region}${suffix}"]
  }
}

locals {
  name       = var.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = var.region
  azs        = sort(data.aws_availability_zones.selected.names)

  tags = merge(
    {
      Project    = local.name
      Repository = "https://github.com/${var.github_repository}"
      ManagedBy  = "terraform"
    },
    var.tags,
  )
}
