"""The delivery engine: sends the deliveries the outbox wrote, signed, retried and throttled per endpoint.

- ``kick``: queueing a dispatcher run (after a commit, for help, as a successor)
- ``dispatcher``: a run, claiming lanes and sending them until none is left
- ``claims`` and ``rows``: reserving endpoints and their due deliveries under a lease, giving them back
- ``lanes``: one endpoint's claimed deliveries and the threads that send them
- ``window``: each endpoint's adaptive concurrency window, shared by every dispatcher
- ``attempts`` and ``health``: recording attempts (the retry schedule), back-pressure and automatic disabling
- ``sender`` and ``signing``: one signed request over the guarded client; secrets at rest and signatures
"""
