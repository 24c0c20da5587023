"""opencase: a self-hosted case management server speaking Datadog's Case Management API v2."""

__version__ = "0.1.0"
