# Batch variant: one `comfyume-builder run <target>` per job, the replica destroyed when the
# process exits (Verda recommends jobs for work over ~3 minutes). Records and logs go to the
# same SFS data dir, so the service's API and dashboard show job builds too.
variable "job_enabled" {
  description = "Also create the job deployment."
  type        = bool
  default     = false
}

variable "job_target" {
  description = "Target the job builds (see deploy/builder.config.json)."
  type        = string
  default     = "worker"
}

resource "verda_serverless_job" "builder_run" {
  count = var.job_enabled ? 1 : 0
  name  = "${var.deployment_name}-job"

  compute = {
    name = var.compute_name
    size = var.compute_size
  }

  # Jobs do send deadline_seconds (required > 0): the run is killed after it.
  scaling = {
    max_replica_count         = 1
    queue_message_ttl_seconds = var.request_ttl_seconds
    deadline_seconds          = var.request_ttl_seconds
  }

  container_registry_settings = {
    is_private  = "true"
    credentials = verda_container_registry_credentials.ghcr.name
  }

  containers = [
    {
      image        = var.image
      exposed_port = local.port
      entrypoint_overrides = {
        enabled    = true
        entrypoint = ["/usr/bin/tini", "--", "/usr/local/bin/comfyume-builder-entrypoint"]
        cmd        = ["comfyume-builder", "run", var.job_target, "--json"]
      }
      env           = local.env
      volume_mounts = local.volume_mounts
    }
  ]
}
