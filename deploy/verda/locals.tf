locals {
  port        = 8080
  health_path = "/healthz"
  sfs_mount   = "/mnt/sfs"

  # Written out as literal objects (not built with for-expressions) so the test can check
  # every entry against the provider's schema and verda-cli's env name rule.
  # Data and cache live on SFS so every replica (and the job) sees every build; the cache
  # budget keeps the 220 GB SFS, already 85-90 % full of models, from filling.
  plain_env = [
    { type = "plain", name = "BUILDER_PORT", value_or_reference_to_secret = tostring(local.port) },
    { type = "plain", name = "BUILDER_CONFIG", value_or_reference_to_secret = "/app/deploy/builder.config.json" },
    { type = "plain", name = "BUILDER_DATA_DIR", value_or_reference_to_secret = "${local.sfs_mount}/cache/builder/data" },
    { type = "plain", name = "BUILDER_CACHE_DIR", value_or_reference_to_secret = "${local.sfs_mount}/cache/builder/cache" },
    { type = "plain", name = "BUILDER_CACHE_MAX_BYTES", value_or_reference_to_secret = "15GiB" },
    { type = "plain", name = "BUILDER_MIN_FREE_BYTES", value_or_reference_to_secret = "10GiB" },
    { type = "plain", name = "BUILDER_DRAIN_SECONDS", value_or_reference_to_secret = "60" },
    { type = "plain", name = "BUILDER_BUILD_TIMEOUT", value_or_reference_to_secret = "5400" },
    # No Docker daemon in a serverless container: BuildKit is the remote buildkitd.
    { type = "plain", name = "BUILDER_BUILDKIT_MODE", value_or_reference_to_secret = "remote" },
    { type = "plain", name = "BUILDER_BUILDKIT_ENDPOINT", value_or_reference_to_secret = var.buildkit_endpoint },
    { type = "plain", name = "GHCR_USER", value_or_reference_to_secret = var.ghcr_user },
  ]

  # Env var -> the name of a Verda secret (made by create-secrets.sh; provider v1.1.1 has no
  # secret resource). Values never appear in the deployment's plain env or in tofu state.
  secret_env = [
    { type = "secret", name = "BUILDER_API_TOKEN", value_or_reference_to_secret = var.secret_names.api_token },
    { type = "secret", name = "BUILDER_READ_TOKEN", value_or_reference_to_secret = var.secret_names.read_token },
    { type = "secret", name = "BUILDER_WEBHOOK_SECRET", value_or_reference_to_secret = var.secret_names.webhook_secret },
    { type = "secret", name = "GHCR_TOKEN", value_or_reference_to_secret = var.secret_names.ghcr_token },
    { type = "secret", name = "GH_TOKEN", value_or_reference_to_secret = var.secret_names.gh_token },
    { type = "secret", name = "BUILDER_BUILDKIT_TLS_CA", value_or_reference_to_secret = var.buildkit_tls_secrets.ca },
    { type = "secret", name = "BUILDER_BUILDKIT_TLS_CERT", value_or_reference_to_secret = var.buildkit_tls_secrets.cert },
    { type = "secret", name = "BUILDER_BUILDKIT_TLS_KEY", value_or_reference_to_secret = var.buildkit_tls_secrets.key },
  ]

  # Backups only when R2 is configured: a reference to a secret that was never made would
  # break the deployment.
  r2_env_entries = [
    { type = "plain", name = "R2_ENDPOINT", value_or_reference_to_secret = var.r2_endpoint },
    { type = "plain", name = "R2_WORKER_CONTAINER_TAR_BALL_BUCKET", value_or_reference_to_secret = var.r2_bucket },
    { type = "secret", name = "R2_ACCESS_KEY_ID", value_or_reference_to_secret = var.secret_names.r2_access_key_id },
    { type = "secret", name = "R2_SECRET_ACCESS_KEY", value_or_reference_to_secret = var.secret_names.r2_secret_access_key },
  ]
  r2_env = var.r2_endpoint == "" ? [] : local.r2_env_entries

  env = concat(local.plain_env, local.secret_env, local.r2_env)

  # Only the SFS. No scratch mount: BuildKit's state is on the remote buildkitd, the builder's
  # per-build scratch is small, and the API rejects sized scratch mounts anyway (verda-cli).
  volume_mounts = [
    { type = "shared", mount_path = local.sfs_mount, volume_id = var.sfs_volume_id },
  ]
}
