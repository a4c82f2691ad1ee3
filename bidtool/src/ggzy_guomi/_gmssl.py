"""Typed façade over gmssl_pyx (which ships a .pyi but no py.typed marker, so mypy sees `Any`).

Only the SM2 functions GGZY uses are wrapped. gmssl_pyx formats, checked against OpenSSL 3.0:
public keys are 64 raw bytes x||y (no 04 prefix), private keys 32 raw bytes, signatures DER
SEQUENCE{r, s}, ciphertexts DER SEQUENCE{x, y, hash(32), ciphertext} (C1C3C2, GM/T 0009).
Note: `sm2_sign` ignores its `public_key` argument for the Z value; libgmssl derives the public key
from the private key itself (see sm2.py for how we use that to detect mismatched key pairs).
"""

import gmssl_pyx

GmsslError = gmssl_pyx.GmsslInnerError  # InvalidValueError is a subclass


def sm2_key_generate() -> tuple[bytes, bytes]:
    """Return (public 64 bytes x||y, private 32 bytes)."""
    public, private = gmssl_pyx.sm2_key_generate()
    result: tuple[bytes, bytes] = (bytes(public), bytes(private))
    return result


def sm2_sign(private_key: bytes, public_key_xy: bytes, message: bytes, signer_id: bytes) -> bytes:
    result: bytes = gmssl_pyx.sm2_sign(private_key, public_key_xy, message, signer_id=signer_id)
    return result


def sm2_verify(public_key_xy: bytes, message: bytes, signature: bytes, signer_id: bytes) -> bool:
    result: bool = gmssl_pyx.sm2_verify(public_key_xy, message, signature, signer_id=signer_id)
    return result


def sm2_encrypt(public_key_xy: bytes, plaintext: bytes) -> bytes:
    result: bytes = gmssl_pyx.sm2_encrypt(public_key_xy, plaintext)
    return result


def sm2_decrypt(private_key: bytes, ciphertext: bytes) -> bytes:
    result: bytes = gmssl_pyx.sm2_decrypt(private_key, ciphertext)
    return result


def is_on_curve(public_key_xy: bytes) -> bool:
    """True if the 64 raw bytes are a point of the SM2 curve (reuses gmssl_pyx's own check)."""
    try:
        gmssl_pyx.normalize_sm2_public_key(public_key_xy)
    except gmssl_pyx.InvalidValueError:
        return False
    return True
