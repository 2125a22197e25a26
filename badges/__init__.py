"""Open Badges 3.0: each certificate as a signed W3C Verifiable Credential."""
