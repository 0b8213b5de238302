output "kafka_bootstrap" {
  description = "Kafka bootstrap address."
  value       = module.strata.kafka_bootstrap
}

output "http_ingest_url" {
  description = "Base URL of the HTTP API."
  value       = module.strata.http_ingest_url
}

output "bucket" {
  description = "Bucket of tiered segments and cluster metadata."
  value       = module.strata.bucket
}
