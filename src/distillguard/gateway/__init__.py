"""The protective API gateway: a lean HTTP proxy in front of a model server.

SERVER side: ``server`` (HTTP/1.1 front door), ``upstream`` (keep-alive client pool),
``proxy``/``streaming`` (forwarding, SSE relay, Anthropic ⇄ OpenAI translation), ``logsink``
(durable exchange log), ``metrics``, ``mock`` (mock model server), ``app`` (wiring) and
``commands``. POLICY side: ``policy``, ``config``, ``keys``, ``limits``, ``state``, ``admin``.
"""
