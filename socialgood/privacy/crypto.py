"""Authenticated encryption for what must never sit on disk in the clear.

Two levels of keys:

- The **master key** belongs to the installation. It lives in one file outside the
  database (`load_or_create_master_key`) and only ever encrypts project keys.
- Each **project key** pseudonymises that project's people and encrypts its
  re-identification table, handle directory and (on opt-in) raw payloads. The
  database stores it wrapped by the master key (`wrap_key`), so a copied database
  alone reveals nothing, and rotating the master key re-wraps a few small keys
  instead of re-encrypting every row.

Every ciphertext is `version (1 byte) | nonce (12 bytes) | AES-256-GCM output`.
AES-GCM because it is the standard authenticated cipher, hardware-accelerated and
in `cryptography`; a fresh random 96-bit nonce per message is safe far beyond the
number of messages one key will see here (NIST's limit is 2**32 per key). The version
byte lets a later format coexist with old data, and it is authenticated together
with the caller's associated data, which binds a ciphertext to its purpose (a
wrapped key cannot be passed off as a raw payload, nor one project's row as another's).
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_SIZE = 32  # AES-256
NONCE_SIZE = 12  # 96 bits, the size GCM is designed for
TAG_SIZE = 16
VERSION = b"\x01"
PROJECT_KEY_PURPOSE = b"socialgood project key"


class DecryptionError(Exception):
    """The data could not be decrypted and authenticated."""


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError(f"a key must be {KEY_SIZE} bytes")


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
    """Encrypt and authenticate `plaintext`; `associated_data` is authenticated, not stored."""
    _check_key(key)
    nonce = os.urandom(NONCE_SIZE)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, VERSION + associated_data)


def decrypt(key: bytes, ciphertext: bytes, associated_data: bytes = b"") -> bytes:
    """The plaintext, or DecryptionError if the key, the data or `associated_data` is wrong."""
    _check_key(key)
    if len(ciphertext) < 1 + NONCE_SIZE + TAG_SIZE:
        raise DecryptionError("Could not decrypt: the data is too short to be a ciphertext.")
    version, nonce, sealed = ciphertext[:1], ciphertext[1 : 1 + NONCE_SIZE], ciphertext[13:]
    if version != VERSION:
        raise DecryptionError(
            f"Could not decrypt: unknown format version {version[0]} (damaged data?)."
        )
    try:
        return AESGCM(key).decrypt(nonce, sealed, version + associated_data)
    except InvalidTag:
        raise DecryptionError(
            "Could not decrypt: wrong master key or damaged data "
            "(or the data belongs to another project or purpose)."
        ) from None


def wrap_key(master: bytes, project_key: bytes) -> bytes:
    _check_key(project_key)
    return encrypt(master, project_key, PROJECT_KEY_PURPOSE)


def unwrap_key(master: bytes, wrapped: bytes) -> bytes:
    project_key = decrypt(master, wrapped, PROJECT_KEY_PURPOSE)
    if len(project_key) != KEY_SIZE:
        raise DecryptionError("Could not decrypt: the wrapped key has the wrong size.")
    return project_key


def load_or_create_master_key(path) -> bytes:
    """The installation's master key from `path`, creating the file (mode 0600) if absent.

    The file holds the key as one line of URL-safe base64, so an administrator can
    back it up or paste it into a password manager. Creation is atomic and safe when
    two processes start at once (the web server and a worker on first run): the key is
    written to a private temporary file, then hard-linked into place, which fails if
    another process got there first; the loser then reads the winner's key. Replacing
    an existing file (as os.replace would) could orphan data already encrypted with it.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        _create_key_file(path)
    with open(path, "rb") as file:
        text = file.read().strip()
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE:
        raise ValueError(f"{path} does not hold a socialgood master key")
    return key


def _create_key_file(path: str) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # whatever the umask
            file.write(base64.urlsafe_b64encode(new_key()) + b"\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first; use theirs
    finally:
        os.unlink(temporary)
