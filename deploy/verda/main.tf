# The builder as a Verda serverless container deployment: the HTTP API (SPEC §4) behind
# https://containers.datacrunch.io/<deployment_name>/. Scales to zero. A build bound to an
# open ?wait=true request keeps its replica alive; several requests share a replica (the
# builder's own queue and BUILDER_CONCURRENCY bound the builds), so a console page, a
# `status` or a second `submit` during a build neither waits in the gateway's queue nor
# starts (and bills) a second replica.
# Provider v1.1.1 cannot update a deployment in place: change it with
# `tofu apply -replace=verda_container.builder` (docs/deploy.md).
resource "verda_container" "builder" {
  name    = var.deployment_name
  is_spot = false

  compute = {
    name = var.compute_name
    size = var.compute_size
  }

  scaling = {
    min_replica_count               = 0
    max_replica_count               = var.max_replicas
    concurrent_requests_per_replica = var.requests_per_replica
    queue_message_ttl_seconds       = var.request_ttl_seconds
    # Never sent by the provider's create call and read back as queue_message_ttl_seconds:
    # any other value would show as a change on every plan (and updates are not supported).
    deadline_seconds  = var.request_ttl_seconds
    queue_load        = { threshold = 1 }
    scale_up_policy   = { delay_seconds = 0 }
    scale_down_policy = { delay_seconds = 300 } # a follow-up request (logs, status) finds the replica warm
  }

  container_registry_settings = {
    is_private  = "true"
    credentials = verda_container_registry_credentials.ghcr.name
  }

  containers = [
    {
      image        = var.image
      exposed_port = local.port
      healthcheck = {
        enabled = "true"
        port    = tostring(local.port)
        path    = local.health_path
      }
      env           = local.env
      volume_mounts = local.volume_mounts
    }
  ]
}

# The builder image is private in GHCR: Verda pulls it with this PAT (read:packages).
resource "verda_container_registry_credentials" "ghcr" {
  name         = "${var.deployment_name}-ghcr"
  type         = "ghcr"
  username     = var.ghcr_user
  access_token = var.ghcr_token
}
