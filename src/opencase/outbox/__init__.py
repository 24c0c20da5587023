"""The transactional outbox and its delivery worker.

A change that something outside must hear about writes a delivery row (`service.enqueue`) in
the transaction of the change itself: committed together or not at all. The worker
(`worker.Worker`, run inside `opencase serve` and by `opencase worker`) delivers every row at
least once: it takes due rows under a lease (several workers never hold one row at once),
posts them signed (`signing`), and records the outcome: delivered, retried later with
exponential back-off and jitter, or dead after the last try (`opencase outbox retry`).
"""
