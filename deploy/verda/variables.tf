# Every validation here looks at one variable only, so it runs in any OpenTofu/Terraform
# version at `tofu plan`, before anything is created (test/unit/deploy/verda-variables.test.ts
# runs them with the real terraform binary).

variable "deployment_name" {
  description = "Name of the serverless deployment: the path segment after containers.datacrunch.io/. Immutable once created."
  type        = string
  default     = "comfyume-builder"
  validation {
    # verda-cli's validateDeploymentName: a lowercase DNS label, at most 63 characters.
    condition     = length(var.deployment_name) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.deployment_name))
    error_message = "deployment_name must be lowercase letters, digits and hyphens, start and end with a letter or digit, and be at most 63 characters (it becomes the URL path containers.datacrunch.io/<name>)."
  }
}

variable "image" {
  description = "The builder image, by tag or digest (never :latest: Verda rejects it)."
  type        = string
  default     = "ghcr.io/ahelme/comfyume-builder:v0.1.0"
  validation {
    # The Verda SDK's IsLatestTag: an explicit :latest, or no tag and no digest at all.
    condition     = !endswith(var.image, ":latest") && (strcontains(var.image, ":") || strcontains(var.image, "@"))
    error_message = "image must name a specific tag or digest, e.g. ghcr.io/ahelme/comfyume-builder:v0.1.0; Verda rejects :latest and untagged images."
  }
}

variable "compute_name" {
  description = <<-EOT
    Serverless compute resource of each replica: a name from GET https://api.verda.com/v1/serverless-compute-resources
    (verda-cli's --compute), e.g. CPUNode (compute_size = vCPU cores) or a GPU such as RTX4500Ada
    (compute_size = GPUs) as the fallback where no CPU node is offered. Not an instance type like CPU.8V.32G.
  EOT
  type        = string
  default     = "CPUNode"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]*$", var.compute_name))
    error_message = "compute_name must be a serverless compute resource name such as CPUNode or RTX4500Ada (letters and digits; see GET /v1/serverless-compute-resources); instance types such as CPU.8V.32G are not valid here."
  }
}

variable "compute_size" {
  description = "Units of compute_name per replica: vCPU cores for CPUNode, GPUs for a GPU type."
  type        = number
  default     = 8
  validation {
    condition     = var.compute_size >= 1 && floor(var.compute_size) == var.compute_size
    error_message = "compute_size must be a whole number >= 1 (vCPU cores for CPUNode, GPUs for a GPU type)."
  }
}

variable "max_replicas" {
  description = "Maximum replicas. Records, leases and the cache live on the SFS, so more are safe; more only help parallel builds."
  type        = number
  default     = 1
  validation {
    condition     = var.max_replicas >= 1 && var.max_replicas <= 4
    error_message = "max_replicas must be between 1 and 4; builds share one SFS cache and disk budget."
  }
}

variable "requests_per_replica" {
  description = "Concurrent requests one replica takes. The builder serves many (streams, status, the console) while BUILDER_CONCURRENCY bounds its builds; 1 would make every request during a build wait or start a second replica."
  type        = number
  default     = 16
  validation {
    condition     = var.requests_per_replica >= 2 && floor(var.requests_per_replica) == var.requests_per_replica
    error_message = "requests_per_replica must be a whole number >= 2: a replica that takes one request at a time cannot show a build's log while the build's own request holds it."
  }
}

variable "sfs_volume_id" {
  description = "ID of the shared filesystem (SFS) volume mounted at /mnt/sfs (the platform's sfs_volume_id)."
  type        = string
  validation {
    condition     = length(trimspace(var.sfs_volume_id)) > 0
    error_message = "sfs_volume_id must be the ID of the SFS volume; builds keep their records, logs and cache on it."
  }
}

variable "request_ttl_seconds" {
  description = <<-EOT
    queue_message_ttl_seconds: how long the gateway keeps a request queued while replicas start. The
    provider (v1.1.1) never sends deadline_seconds on create and reads it back as this value, so both are
    set from it; the builder does not rely on any request deadline (a cut request is followed over SSE).
  EOT
  type        = number
  default     = 7200
  validation {
    condition     = var.request_ttl_seconds >= 600
    error_message = "request_ttl_seconds must be at least 600: a cold start plus a queued build must fit."
  }
}

variable "ghcr_user" {
  description = "GitHub user that owns the GHCR packages."
  type        = string
  default     = "ahelme"
}

variable "ghcr_token" {
  description = "GitHub classic PAT with read:packages, so Verda can pull the private builder image (TF_VAR_ghcr_token from a file; never on a command line)."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.ghcr_token) > 0
    error_message = "ghcr_token must be set (export TF_VAR_ghcr_token=\"$(cat ~/.secrets/comfyume-builder/ghcr-token)\")."
  }
}

variable "secret_names" {
  description = "Names of the Verda secrets (deploy/verda/create-secrets.sh makes them) behind the builder's secret env vars."
  type = object({
    api_token            = optional(string, "comfyume-builder-api-token")
    read_token           = optional(string, "comfyume-builder-read-token")
    webhook_secret       = optional(string, "comfyume-builder-webhook-secret")
    ghcr_token           = optional(string, "comfyume-builder-ghcr-token")
    gh_token             = optional(string, "comfyume-builder-gh-token")
    r2_access_key_id     = optional(string, "comfyume-builder-r2-access-key-id")
    r2_secret_access_key = optional(string, "comfyume-builder-r2-secret-access-key")
  })
  default = {}
}

variable "buildkit_endpoint" {
  description = "BUILDER_BUILDKIT_ENDPOINT: the remote buildkitd the serverless builder drives (no Docker daemon runs in a serverless container), e.g. tcp://203.0.113.5:1234."
  type        = string
  validation {
    condition     = can(regex("^tcp://[^[:space:]/]+:[0-9]+$", var.buildkit_endpoint))
    error_message = "buildkit_endpoint must be tcp://host:port of the remote buildkitd (docs/deploy.md, \"A BuildKit for serverless\")."
  }
}

variable "buildkit_tls_secrets" {
  description = "Names of the Verda secrets holding the client TLS PEM text for the remote buildkitd (ca, cert, key); create-secrets.sh makes them from ca.pem, cert.pem and key.pem."
  type = object({
    ca   = string
    cert = string
    key  = string
  })
  default = null
  validation {
    condition     = var.buildkit_tls_secrets != null && alltrue([for v in values(coalesce(var.buildkit_tls_secrets, { ca = "", cert = "", key = "" })) : length(trimspace(v)) > 0])
    error_message = "buildkit_tls_secrets must name the three Verda secrets with the remote buildkitd's client TLS (ca, cert, key): without them every build fails. Create them with deploy/verda/create-secrets.sh (docs/deploy.md)."
  }
}

variable "r2_endpoint" {
  description = "Cloudflare R2 endpoint for image tarball backups; empty: no backups."
  type        = string
  default     = ""
}

variable "r2_bucket" {
  description = "R2_WORKER_CONTAINER_TAR_BALL_BUCKET."
  type        = string
  default     = ""
}
