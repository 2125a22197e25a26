"""The read API for personnel systems: token-authenticated JSON with an OpenAPI document."""
