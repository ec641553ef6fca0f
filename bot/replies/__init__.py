"""The neutral reply model and the builders that fill it from the knowledge base (no discord)."""
