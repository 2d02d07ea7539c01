"""Link tokens for seats, the projector and commenters: random, shown once, stored as a hash."""

import hashlib
import secrets

TOKEN_BYTES = 24  # 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 of the token: a fast lookup that does not need the token kept anywhere."""
    return hashlib.sha256(token.encode()).hexdigest()
