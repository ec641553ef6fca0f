"""Cogs, one per area; each is a discord.py extension loaded in setup_hook."""
