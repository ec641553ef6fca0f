"""Self-tests for tests.fakediscord."""
