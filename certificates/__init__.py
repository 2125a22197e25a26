"""Certificate issuance, PDF rendering, public verification, revocation and expiry."""
