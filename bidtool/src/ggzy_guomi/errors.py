"""Exception types of `ggzy_guomi`.

Every failure the package detects is raised as a subclass of `GuomiError`, so a caller (an upload view,
an opening ceremony task) can tell "the data is bad" apart from programming errors. The two families:

* `FormatError` (also a `ValueError`): the input is not well-formed (bad DER, bad PEM, non-canonical
  manifest, wrong key length...). Nothing was authenticated yet.
* `IntegrityError`: the input is well-formed but was altered, or does not belong to the given key
  (GCM tag mismatch, SM3 digest mismatch, SM2 decryption failure, invalid signature).
"""


class GuomiError(Exception):
    """Base class of every error raised on purpose by `ggzy_guomi`."""


class FormatError(GuomiError, ValueError):
    """Input is malformed: wrong length, bad encoding, unexpected structure."""


class KeyFormatError(FormatError):
    """An SM2/SM4 key is malformed, out of range, or its private and public halves do not match."""


class EnvelopeFormatError(FormatError):
    """A sealed envelope container or its manifest is malformed or of an unsupported version."""


class UnsignedEnvelopeError(EnvelopeFormatError):
    """The envelope carries no manifest signature; unsigned envelopes are never accepted."""


class UnencryptedEnvelopeError(EnvelopeFormatError):
    """The envelope does not declare SM4-GCM encryption with wrapped keys for every file."""


class IntegrityError(GuomiError):
    """Data was modified or does not match its declared digest/tag (the tamper-detection error)."""


class DecryptionError(IntegrityError):
    """SM2 decryption failed: wrong private key or tampered/malformed ciphertext (indistinguishable)."""


class SignatureError(IntegrityError):
    """An SM2 signature is malformed, made by another key, or does not match the signed data."""


class NotARecipientError(GuomiError):
    """The private key given to open an envelope is not one of the envelope's recipients."""
