output "endpoint_url" {
  description = "BUILDER_URL for the trigger (comfyume-build) and the nginx webhook relay."
  value       = verda_container.builder.endpoint_base_url
}

output "job_endpoint_url" {
  description = "Endpoint of the job deployment, when enabled."
  value       = var.job_enabled ? verda_serverless_job.builder_run[0].endpoint_base_url : null
}
