"""API payloads: what the HTTP layer sends and accepts (serialization + JSON schemas)."""
