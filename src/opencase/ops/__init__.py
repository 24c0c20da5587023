"""Running opencase in production: rate limits, metrics, JSON logs, request ids, health."""
