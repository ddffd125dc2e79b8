"""The web tier's front: what stands between a client's socket and a Django thread.

uvicorn's event loop holds every connection for a few kilobytes, however slowly its client sends.
:mod:`common.web.protocol` puts a deadline on a request's head, :mod:`common.web.front` reads the whole body
under a deadline and only then runs Django (WSGI) on a bounded thread pool. A trickling client costs a socket,
never a thread, and ends with 408 in the product's error format.
"""
