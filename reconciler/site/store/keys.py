"""The site's secrets, kept only as hashes: account keys, API tokens, one-time codes and
patients' national identity numbers (as lookup keys).

- Account keys: scrypt with the store's salt. The hash is deterministic per store so that a key
  finds its account, and slow so that a stolen store does not give low-entropy keys away.
- Tokens, session tokens and reservation tokens: 256 random bits, stored as SHA-256 (their
  entropy is the defence).
- One-time codes: six digits, stored as HMAC with the challenge id; the attempt limit is the
  defence against guessing.
- National ids: HMAC-SHA256 with the store's secret, so bookings can be found by patient
  without indexing the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def account_key_hash(key: str, salt: bytes) -> str:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, **_SCRYPT).hex()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_match(token: str, stored: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(code: str, challenge_id: str) -> str:
    return hmac.new(challenge_id.encode(), code.encode(), hashlib.sha256).hexdigest()


def codes_match(code: str, challenge_id: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(code, challenge_id), stored)


def patient_key(national_id_digits: str, secret: bytes) -> str:
    return hmac.new(secret, national_id_digits.encode(), hashlib.sha256).hexdigest()


def new_id() -> str:
    return secrets.token_hex(16)
