"""The knowledge base: load, validate and look up. Imports nothing from discord."""
