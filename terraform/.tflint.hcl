# tflint (run by .github/workflows/ci.yml): the Terraform language rules bundled with tflint.
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}
