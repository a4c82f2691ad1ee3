"""国密 (national cryptography): SM3 digests, SM4-GCM encryption, SM2 signatures/encryption,
sealed bid envelopes and signed receipts.

The one place GGZY touches cryptographic primitives; no Django here. SM3/SM4 come from `cryptography`
(OpenSSL), SM2 from `gmssl_pyx` (libgmssl). Every detected failure raises a `GuomiError` subclass
(see errors.py); formats are documented in each module and cross-checked against the openssl CLI in
the tests.
"""

from ggzy_guomi.canonical import JsonValue, canonical_json, parse_canonical_json
from ggzy_guomi.envelope import (
    FileRecord,
    KeyRef,
    Manifest,
    OpenedEnvelope,
    envelope_sm3,
    open_envelope,
    open_envelope_to_directory,
    peek_manifest,
    seal_envelope,
    seal_envelope_to,
    verify_envelope,
)
from ggzy_guomi.errors import (
    DecryptionError,
    EnvelopeFormatError,
    FormatError,
    GuomiError,
    IntegrityError,
    KeyFormatError,
    NotARecipientError,
    SignatureError,
    UnencryptedEnvelopeError,
    UnsignedEnvelopeError,
)
from ggzy_guomi.receipt import Receipt, ReceiptFields, issue_receipt, verify_receipt
from ggzy_guomi.sm2 import (
    DEFAULT_SIGNER_ID,
    Sm2Ciphertext,
    Sm2PrivateKey,
    Sm2PublicKey,
    ciphertext_from_raw,
    ciphertext_to_raw,
    decode_ciphertext,
    decode_signature,
    encode_ciphertext,
    encode_signature,
    signature_from_raw,
    signature_to_raw,
)
from ggzy_guomi.sm3 import Sm3Hasher, sm3_digest, sm3_file, sm3_hex
from ggzy_guomi.sm4 import (
    StreamResult,
    sm4_decrypt,
    sm4_decrypt_stream,
    sm4_encrypt,
    sm4_encrypt_stream,
    sm4_generate_key,
    sm4_generate_nonce,
)

__all__ = [
    "DEFAULT_SIGNER_ID",
    "DecryptionError",
    "EnvelopeFormatError",
    "FileRecord",
    "FormatError",
    "GuomiError",
    "IntegrityError",
    "JsonValue",
    "KeyFormatError",
    "KeyRef",
    "Manifest",
    "NotARecipientError",
    "OpenedEnvelope",
    "Receipt",
    "ReceiptFields",
    "SignatureError",
    "Sm2Ciphertext",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm3Hasher",
    "StreamResult",
    "UnencryptedEnvelopeError",
    "UnsignedEnvelopeError",
    "canonical_json",
    "ciphertext_from_raw",
    "ciphertext_to_raw",
    "decode_ciphertext",
    "decode_signature",
    "encode_ciphertext",
    "encode_signature",
    "envelope_sm3",
    "issue_receipt",
    "open_envelope",
    "open_envelope_to_directory",
    "parse_canonical_json",
    "peek_manifest",
    "seal_envelope",
    "seal_envelope_to",
    "signature_from_raw",
    "signature_to_raw",
    "sm3_digest",
    "sm3_file",
    "sm3_hex",
    "sm4_decrypt",
    "sm4_decrypt_stream",
    "sm4_encrypt",
    "sm4_encrypt_stream",
    "sm4_generate_key",
    "sm4_generate_nonce",
    "verify_envelope",
    "verify_receipt",
]
