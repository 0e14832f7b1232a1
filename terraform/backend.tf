# State in S3, locked with S3's own lock file (`use_lockfile`, Terraform 1.10+: no DynamoDB
# table). The bucket is made once, by hand, before the first `terraform init`: versioned,
# encrypted, private (docs/deploy.md, "1. Bootstrap the state bucket").
#
# A backend block cannot read variables. Bucket names are global: put your own bucket here, or
# keep this file and override at init time:
#   terraform init -backend-config="bucket=<your bucket>" -backend-config="region=<region>"
terraform {
  backend "s3" {
    bucket       = "chatgepeto-terraform-state"
    key          = "chatgepeto/production.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
