import os
import stat

import pytest

from socialgood.privacy import crypto
from socialgood.privacy.crypto import DecryptionError


def test_round_trip_with_associated_data():
    key = crypto.new_key()
    sealed = crypto.encrypt(key, b"raw payload of a post", b"project 7 / post 42")
    assert crypto.decrypt(key, sealed, b"project 7 / post 42") == b"raw payload of a post"


def test_same_plaintext_encrypts_differently_each_time():
    # A fresh nonce per message: equal ciphertexts would reveal equal payloads.
    key = crypto.new_key()
    assert crypto.encrypt(key, b"same") != crypto.encrypt(key, b"same")


def test_ciphertext_layout_is_version_nonce_then_sealed_data():
    sealed = crypto.encrypt(crypto.new_key(), b"12345")
    assert sealed[0] == 1
    assert len(sealed) == 1 + 12 + 5 + 16


def test_new_keys_are_32_random_bytes():
    first, second = crypto.new_key(), crypto.new_key()
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("position", [0, 1, 12, 13, -1])
def test_any_changed_byte_is_detected(position):
    key = crypto.new_key()
    sealed = bytearray(crypto.encrypt(key, b"sensitive text"))
    sealed[position] ^= 0x01
    with pytest.raises(DecryptionError):
        crypto.decrypt(key, bytes(sealed))


def test_truncated_data_is_detected():
    key = crypto.new_key()
    with pytest.raises(DecryptionError, match="too short"):
        crypto.decrypt(key, crypto.encrypt(key, b"")[:20])


def test_wrong_key_says_so():
    sealed = crypto.encrypt(crypto.new_key(), b"sensitive text")
    with pytest.raises(DecryptionError, match="wrong master key or damaged data"):
        crypto.decrypt(crypto.new_key(), sealed)


def test_associated_data_must_match():
    key = crypto.new_key()
    sealed = crypto.encrypt(key, b"row of project 1", b"project 1")
    with pytest.raises(DecryptionError):
        crypto.decrypt(key, sealed, b"project 2")


def test_keys_of_the_wrong_size_are_refused():
    with pytest.raises(ValueError):
        crypto.encrypt(b"short", b"x")
    with pytest.raises(ValueError):
        crypto.wrap_key(crypto.new_key(), b"short")


def test_wrapped_project_key_unwraps_only_with_its_master():
    master, project_key = crypto.new_key(), crypto.new_key()
    wrapped = crypto.wrap_key(master, project_key)
    assert project_key not in wrapped
    assert crypto.unwrap_key(master, wrapped) == project_key
    with pytest.raises(DecryptionError):
        crypto.unwrap_key(crypto.new_key(), wrapped)


def test_a_wrapped_key_cannot_pass_for_other_data():
    master, project_key = crypto.new_key(), crypto.new_key()
    with pytest.raises(DecryptionError):
        crypto.decrypt(master, crypto.wrap_key(master, project_key))
    with pytest.raises(DecryptionError):
        crypto.unwrap_key(master, crypto.encrypt(master, project_key))


def test_rotating_the_master_key_keeps_project_data_readable():
    old_master, new_master, project_key = crypto.new_key(), crypto.new_key(), crypto.new_key()
    stored_row = crypto.encrypt(project_key, b"handle directory")
    wrapped = crypto.wrap_key(old_master, project_key)

    rewrapped = crypto.wrap_key(new_master, crypto.unwrap_key(old_master, wrapped))

    assert crypto.decrypt(crypto.unwrap_key(new_master, rewrapped), stored_row) == (
        b"handle directory"
    )
    with pytest.raises(DecryptionError):
        crypto.unwrap_key(old_master, rewrapped)


def test_master_key_file_is_created_private_and_then_reused(tmp_path):
    path = tmp_path / "data" / "master.key"
    key = crypto.load_or_create_master_key(path)

    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.load_or_create_master_key(path) == key
    assert os.listdir(path.parent) == ["master.key"]  # no temporary file left behind


def test_master_key_file_is_private_whatever_the_umask(tmp_path):
    old_umask = os.umask(0)
    try:
        crypto.load_or_create_master_key(tmp_path / "master.key")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "master.key").st_mode) == 0o600


def test_a_process_that_loses_the_creation_race_uses_the_winners_key(tmp_path, monkeypatch):
    path = tmp_path / "master.key"
    real_link = os.link

    def another_process_wins(source, destination):
        path.write_text("bWFzdGVyLWtleS1vZi10aGUtb3RoZXItcHJvY2VzcyE=\n")
        real_link(source, destination)

    monkeypatch.setattr(os, "link", another_process_wins)
    assert crypto.load_or_create_master_key(path) == b"master-key-of-the-other-process!"
    assert os.listdir(tmp_path) == ["master.key"]


def test_a_file_that_is_not_a_key_is_refused(tmp_path):
    path = tmp_path / "master.key"
    path.write_text("not a key\n")
    with pytest.raises(ValueError, match="does not hold a socialgood master key"):
        crypto.load_or_create_master_key(path)
