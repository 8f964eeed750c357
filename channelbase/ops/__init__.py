"""Running Channelbase for a team: health checks, Prometheus metrics, structured logs and the request id."""
