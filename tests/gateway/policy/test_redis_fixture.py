"""The shared ``redis_server`` fixture starts a real server that answers."""

from __future__ import annotations

import redis


def test_redis_server_fixture_answers(redis_server: str) -> None:
    client = redis.Redis.from_url(redis_server)
    try:
        assert client.ping() is True
        client.set("k", "v")
        assert client.get("k") == b"v"
    finally:
        client.close()
