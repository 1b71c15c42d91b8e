locals {
  port        = 8080
  health_path = "/healthz"
  sfs_mount   = "/mnt/sfs"

  # Plain settings shared by the service and the job. Data and cache live on SFS so every
  # replica (and the job) sees every build; the cache budget keeps the 220 GB SFS, already
  # 85-90 % full of models, from filling.
  plain_env = {
    BUILDER_PORT                        = tostring(local.port)
    BUILDER_CONFIG                      = "/app/deploy/builder.config.json"
    BUILDER_DATA_DIR                    = "${local.sfs_mount}/cache/builder/data"
    BUILDER_CACHE_DIR                   = "${local.sfs_mount}/cache/builder/cache"
    BUILDER_CACHE_MAX_BYTES             = "15GiB"
    BUILDER_MIN_FREE_BYTES              = "10GiB"
    BUILDER_DRAIN_SECONDS               = "60"
    BUILDER_BUILD_TIMEOUT               = tostring(var.build_deadline_seconds - 300)
    BUILDER_BUILDKIT_MODE               = var.buildkit_mode
    BUILDER_BUILDKIT_ENDPOINT           = var.buildkit_endpoint
    GHCR_USER                           = var.ghcr_user
    R2_ENDPOINT                         = var.r2_endpoint
    R2_WORKER_CONTAINER_TAR_BALL_BUCKET = var.r2_bucket
  }

  # Env var name -> Verda secret name. Values never appear in the deployment's plain env.
  secret_env = {
    BUILDER_API_TOKEN         = verda_secret.builder["api-token"].name
    BUILDER_READ_TOKEN        = verda_secret.builder["read-token"].name
    BUILDER_WEBHOOK_SECRET    = verda_secret.builder["webhook-secret"].name
    GHCR_TOKEN                = verda_secret.builder["ghcr-token"].name
    GH_TOKEN                  = verda_secret.builder["gh-token"].name
    R2_ACCESS_KEY_ID          = verda_secret.builder["r2-access-key-id"].name
    R2_SECRET_ACCESS_KEY      = verda_secret.builder["r2-secret-access-key"].name
    BUILDER_BUILDKIT_TLS_CA   = verda_secret.builder["buildkit-tls-ca"].name
    BUILDER_BUILDKIT_TLS_CERT = verda_secret.builder["buildkit-tls-cert"].name
    BUILDER_BUILDKIT_TLS_KEY  = verda_secret.builder["buildkit-tls-key"].name
  }

  env = concat(
    [for k, v in local.plain_env : { type = "plain", name = k, value_or_reference_to_secret = v }],
    [for k, v in local.secret_env : { type = "secret", name = k, value_or_reference_to_secret = v }],
  )

  volume_mounts = [
    { type = "shared", mount_path = local.sfs_mount, volume_id = var.sfs_volume_id },
    # BuildKit's own state must be on local disk, never on NFS.
    { type = "scratch", mount_path = "/var/lib/buildkit", size_in_mb = 51200 },
  ]
}
