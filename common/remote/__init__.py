"""Remote work that holds no worker process: calls to rate-limited providers followed by a loop per worker.

A job that needs an AI provider or a product host does not wait for it in a prefork slot. Its task writes a
call row (a concrete :class:`common.models.RemoteCall`), parks the job and returns; the worker process's
*follower* (:mod:`common.remote.follower`, a thread pool in the worker's main process) admits waiting calls
to their provider's slots (:mod:`common.remote.admission`: limits held in the database across every worker
and host, fair between merchants), does the network steps, and enqueues the job again once its call is done.
The CPU work (compositing, the offline engine, image checks) stays in the prefork pool.

Products register a :class:`~common.remote.handlers.RemoteHandler` per kind of call from their
``AppConfig.ready()``; a worker follows the handlers of the queues it consumes.
"""
