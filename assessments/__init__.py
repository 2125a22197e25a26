"""The standards catalog, question banks, quiz attempts, scoring and practical evaluations."""
