"""Response provenance: Ed25519-signed responses and their verification.

The gateway signs each response with :class:`Signer` (headers ``x-distillguard-signature``,
``x-distillguard-signing-key``, ``x-distillguard-signed``) and serves
:meth:`Signer.public_keys` at ``GET /v1/provenance/keys``; ``distillguard verify`` checks
saved responses or exported exchange logs. The canonical digest is specified in
``docs/provenance.md``.
"""

from __future__ import annotations

from distillguard.provenance.keyring import Keyring
from distillguard.provenance.signing import (
    HEADER_SIGNATURE,
    HEADER_SIGNED,
    HEADER_SIGNING_KEY,
    META_KEY,
    SCHEME,
    Check,
    Signer,
    Statement,
    canonical_json,
    load_public_keys,
    verify_headers,
)
from distillguard.provenance.verify import verify_paths, verify_record, verify_saved_response

__all__ = [
    "HEADER_SIGNATURE",
    "HEADER_SIGNED",
    "HEADER_SIGNING_KEY",
    "META_KEY",
    "SCHEME",
    "Check",
    "Keyring",
    "Signer",
    "Statement",
    "canonical_json",
    "load_public_keys",
    "verify_headers",
    "verify_paths",
    "verify_record",
    "verify_saved_response",
]
