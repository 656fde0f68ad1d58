"""CLI groups: each module exports a click group named `cli`, registered as `flask <name>`."""
