"""Password hashing (argon2id) and generated secrets."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pasienis.security.errors import PasswordRejectedError

_HASHER = PasswordHasher()
# Verified when the account does not exist, so an unknown name costs as much as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt (parameters from argon2-cffi's RFC 9106 profile)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; constant work when there is no hash."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for a new account, printed once (about 120 bits)."""
    return secrets.token_urlsafe(15)


def generate_secret(prefix: str) -> str:
    """A bearer secret (256 bits) with a recognisable prefix for secret scanners."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def secret_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret; what the store keeps instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_policy(password: str, *, min_length: int, name: str) -> None:
    """Refuse a new password that is too short or is the account name."""
    if len(password) < min_length:
        raise PasswordRejectedError(
            f"the password must have at least {min_length} characters",
            hint="a passphrase of several words is easy to type and hard to guess",
        )
    if password.strip().lower() == name.strip().lower():
        raise PasswordRejectedError("the password must not be the account name")
