"""xAPI: statements for the product's events, written to an outbox and delivered to an LRS."""
