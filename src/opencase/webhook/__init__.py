"""Outbound HTTP endpoints registered per organisation (`opencase webhooks`)."""
