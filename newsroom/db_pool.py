"""The psycopg pool's check on a connection leaving the pool, without a round trip.

A connection the database dropped (a restart, a failover, `pg_terminate_backend`) stays in
the pool until used; handing it out costs that request a 500. psycopg_pool's own check
(`ConnectionPool.check_connection`) runs an empty query on every checkout: a round trip per
request, about 6% of a request's time under load (bench/load_bench.py, py-spy).

An idle connection has nothing to read: the server speaks when asked. One the server
closed has its termination notice or the end of the stream waiting, so a zero-timeout poll
of its socket finds it, and only then is the round trip paid (it raises, and the pool
discards the connection and takes another).
"""

from __future__ import annotations

import select
from typing import Any

from psycopg_pool import ConnectionPool


def check_connection(conn: Any) -> None:
    """Raise if `conn` is unusable; pay a round trip only when its socket says it may be."""
    if conn.closed or conn.broken:
        ConnectionPool.check_connection(conn)  # raises: the pool drops it
        return
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):  # something arrived unasked: verify (the server may have gone)
        ConnectionPool.check_connection(conn)
