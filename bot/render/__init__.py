"""Renderers: the neutral reply model to terminal text or to Discord embeds and views."""
