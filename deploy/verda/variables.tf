variable "deployment_name" {
  description = "Name of the serverless deployment (the path segment after containers.datacrunch.io/)."
  type        = string
  default     = "comfyume-builder"
}

variable "image" {
  description = "The builder image, pinned by tag or digest."
  type        = string
  default     = "ghcr.io/ahelme/comfyume-builder:v0.1.0"
}

variable "compute_name" {
  description = "Verda compute type. A CPU type if Verda offers one for serverless (unverified); otherwise the smallest GPU."
  type        = string
  default     = "CPU.8V.32G"
}

variable "compute_size" {
  description = "Units of compute_name per replica."
  type        = number
  default     = 1
}

variable "max_replicas" {
  description = "Maximum replicas. Keep 1 unless every replica shares the SFS data dir (they do here; more only for parallel builds)."
  type        = number
  default     = 1
  validation {
    condition     = var.max_replicas >= 1 && var.max_replicas <= 4
    error_message = "max_replicas must be between 1 and 4; builds share one SFS cache and disk budget."
  }
}

variable "sfs_volume_id" {
  description = "ID of the shared filesystem (SFS) volume mounted at /mnt/sfs."
  type        = string
}

variable "build_deadline_seconds" {
  description = "Longest request the gateway holds open: a worker build (~6 GB image) with push and smoke tests."
  type        = number
  default     = 7200
}

variable "ghcr_user" {
  description = "GitHub user that owns the GHCR packages."
  type        = string
  default     = "ahelme"
}

variable "ghcr_token" {
  description = "GitHub classic PAT with write:packages (pushes images; also pulls the private builder image)."
  type        = string
  sensitive   = true
}

variable "gh_token" {
  description = "GitHub token with read access to the source repositories (GH_TOKEN)."
  type        = string
  sensitive   = true
}

variable "builder_api_token" {
  description = "BUILDER_API_TOKEN (>= 16 characters): may start, cancel and retry builds."
  type        = string
  sensitive   = true
}

variable "builder_read_token" {
  description = "BUILDER_READ_TOKEN (>= 16 characters): read-only API and dashboard."
  type        = string
  sensitive   = true
}

variable "builder_webhook_secret" {
  description = "BUILDER_WEBHOOK_SECRET: the GitHub webhook's HMAC secret."
  type        = string
  sensitive   = true
}

variable "r2_endpoint" {
  description = "Cloudflare R2 endpoint for image tarball backups."
  type        = string
  default     = ""
}

variable "r2_bucket" {
  description = "R2_WORKER_CONTAINER_TAR_BALL_BUCKET."
  type        = string
  default     = ""
}

variable "r2_access_key_id" {
  type      = string
  sensitive = true
  default   = ""
}

variable "r2_secret_access_key" {
  type      = string
  sensitive = true
  default   = ""
}

variable "buildkit_mode" {
  description = "BUILDER_BUILDKIT_MODE: remote (a buildkitd on a CPU instance) unless the serverless container may run BuildKit itself."
  type        = string
  default     = "remote"
  validation {
    condition     = contains(["docker", "remote", "docker-container"], var.buildkit_mode)
    error_message = "buildkit_mode must be docker, remote or docker-container."
  }
}

variable "buildkit_endpoint" {
  description = "BUILDER_BUILDKIT_ENDPOINT for remote mode, e.g. tcp://10.0.0.5:1234."
  type        = string
  default     = ""
}

variable "buildkit_tls" {
  description = "Client TLS for the remote buildkitd: PEM text of ca, cert and key."
  type        = object({ ca = string, cert = string, key = string })
  sensitive   = true
  default     = { ca = "", cert = "", key = "" }
}
