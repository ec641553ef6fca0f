"""qibot: where qualified immunity stands in each U.S. jurisdiction, and why."""

__version__ = "0.1.0"
