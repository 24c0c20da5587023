"""Fan-out: a committed change becomes the deliveries its rules call for (opencase.outbox)."""
