# Every token is a Verda secret; the deployments reference them with env type "secret".
resource "verda_secret" "builder" {
  for_each = {
    "api-token"            = var.builder_api_token
    "read-token"           = var.builder_read_token
    "webhook-secret"       = var.builder_webhook_secret
    "ghcr-token"           = var.ghcr_token
    "gh-token"             = var.gh_token
    "r2-access-key-id"     = var.r2_access_key_id
    "r2-secret-access-key" = var.r2_secret_access_key
    "buildkit-tls-ca"      = var.buildkit_tls.ca
    "buildkit-tls-cert"    = var.buildkit_tls.cert
    "buildkit-tls-key"     = var.buildkit_tls.key
  }
  name  = "${var.deployment_name}-${each.key}"
  value = each.value
}

# The builder image is private in GHCR: Verda pulls it with the same PAT.
resource "verda_container_registry_credentials" "ghcr" {
  name         = "${var.deployment_name}-ghcr"
  type         = "ghcr"
  username     = var.ghcr_user
  access_token = var.ghcr_token
}
