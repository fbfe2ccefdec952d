"""What an operator watches: Prometheus metrics at /metrics, one JSON log line per
request with its request id, and liveness and readiness at /health/live and
/health/ready."""
