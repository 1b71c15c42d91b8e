terraform {
  required_version = ">= 1.6"
  required_providers {
    verda = {
      source = "verda-cloud/verda"
      # Exactly the release whose schema test/fixtures/verda-provider/schema-v1.1.1.json was
      # derived from (tag v1.1.1, commit 149fc85), and the one the platform's own
      # infrastructure locks. Every resource and attribute here is checked against it.
      version = "1.1.1"
    }
  }
}

# Credentials come from VERDA_CLIENT_ID / VERDA_CLIENT_SECRET in the environment,
# as for the platform's other deployments.
provider "verda" {}
