"""Internals of the table writer (see :mod:`bitable_async.writer` for the public face).

Modules: ``types`` (executor protocol, config, stats, errors), ``batch`` (one
batch: retries, client_token, bisection), ``lane`` (the serial queue and
coalescing), ``lease`` (cross-process lease and fencing), ``redis_lease``
(the Redis lease backend).
"""
