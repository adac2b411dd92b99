"""Samverkan's domain: aggregates, rules and use cases (standard library + eventsourcing only)."""
