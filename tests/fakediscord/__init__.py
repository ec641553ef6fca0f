"""An offline fake of Discord's REST API and gateway for end-to-end tests of discord.py 2.x bots.

Usage::

    async with FakeDiscord(token='t', roles=[{'id': 1, 'name': 'Staff'}]) as fake:
        # bot: discord.http.Route.BASE = fake.api_base
        #      discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        await fake.wait_ready()
        handle = await fake.inject_command('ping', {'text': 'hi'})
        callback = await handle.wait_response()
"""

from . import payloads
from .server import Callback, FakeDiscord, InteractionHandle, Part, RecordedRequest

__all__ = ["Callback", "FakeDiscord", "InteractionHandle", "Part", "RecordedRequest", "payloads"]
