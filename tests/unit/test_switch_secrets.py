"""Switch secrets sealed with the Fernet keys of ``secret_key_file``."""

import json
import logging
import os
from pathlib import Path

import pytest
from cryptography import fernet

from esi_leap.common import exception
from esi_leap.networking import secrets
from tests import helpers

PASSWORD = "hunter2-not-a-real-password"
SECRET = "enable-secret-value"


def key_file(tmp_path: Path, *keys: bytes, name: str = "key") -> Path:
    path = tmp_path / name
    path.write_text("".join(k.decode() + "\n" for k in keys))
    path.chmod(0o600)
    return path


@pytest.fixture
def key(tmp_path: Path) -> bytes:
    """A configured key file holding one new key."""
    helpers.configure("sqlite://")
    new = fernet.Fernet.generate_key()
    helpers.override("secret_key_file", str(key_file(tmp_path, new)),
                     group="networking")
    return new


def test_seal_and_unseal(key: bytes) -> None:
    sealed = secrets.seal({"password": PASSWORD, "secret": SECRET})
    assert sealed is not None
    assert PASSWORD not in sealed and SECRET not in sealed
    assert secrets.names(sealed) == {"password", "secret"}
    assert secrets.unseal(sealed, "sw1") == {"password": PASSWORD,
                                             "secret": SECRET}
    # The token is the key's: another key cannot read it.
    token = json.loads(sealed)["token"]
    assert json.loads(fernet.Fernet(key).decrypt(token.encode())) == {
        "password": PASSWORD, "secret": SECRET}


def test_nothing_to_seal_needs_no_key() -> None:
    helpers.configure("sqlite://")
    assert secrets.seal({}) is None
    assert secrets.unseal(None) == {}
    assert secrets.names(None) == frozenset()


def test_sealing_without_a_key_is_a_conflict_naming_the_option() -> None:
    helpers.configure("sqlite://")
    assert not secrets.configured()
    with pytest.raises(exception.Conflict) as caught:
        secrets.seal({"password": PASSWORD})
    message = caught.value.message
    assert "[networking] secret_key_file" in message
    assert "Fernet.generate_key()" in message
    assert PASSWORD not in message


def test_names_need_no_key(key: bytes) -> None:
    sealed = secrets.seal({"password": PASSWORD})
    helpers.override("secret_key_file", None, group="networking")
    assert secrets.names(sealed) == {"password"}


def test_unseal_with_the_wrong_key_is_a_server_error(key: bytes,
                                                     tmp_path: Path) -> None:
    sealed = secrets.seal({"password": PASSWORD})
    other = key_file(tmp_path, fernet.Fernet.generate_key(), name="other")
    helpers.override("secret_key_file", str(other), group="networking")
    with pytest.raises(secrets.SecretKeyError) as caught:
        secrets.unseal(sealed, "sw1")
    message = caught.value.message
    assert "switch sw1" in message
    assert "[networking] secret_key_file" in message
    assert PASSWORD not in message
    # Not a client error: the API answers 500.
    assert not isinstance(caught.value, (exception.InvalidInput,
                                         exception.Conflict))


def test_unseal_without_a_key_is_a_server_error(key: bytes) -> None:
    sealed = secrets.seal({"password": PASSWORD})
    helpers.override("secret_key_file", None, group="networking")
    with pytest.raises(secrets.SecretKeyError, match="is not set"):
        secrets.unseal(sealed, "sw1")


@pytest.mark.parametrize("content", ["", "# only a comment\n\n",
                                     "not-a-fernet-key\n"])
def test_bad_key_file_names_the_option_not_the_content(
        tmp_path: Path, content: str) -> None:
    helpers.configure("sqlite://")
    path = tmp_path / "key"
    path.write_text(content)
    helpers.override("secret_key_file", str(path), group="networking")
    with pytest.raises(secrets.SecretKeyError) as caught:
        secrets.seal({"password": PASSWORD})
    assert "[networking] secret_key_file" in caught.value.message
    assert str(path) in caught.value.message
    if content.strip():
        assert "not-a-fernet-key" not in caught.value.message


def test_missing_key_file_is_a_server_error(tmp_path: Path) -> None:
    helpers.configure("sqlite://")
    helpers.override("secret_key_file", str(tmp_path / "absent"),
                     group="networking")
    with pytest.raises(secrets.SecretKeyError, match="cannot be read"):
        secrets.seal({"password": PASSWORD})


def test_rotation_first_key_encrypts_every_key_decrypts(
        tmp_path: Path) -> None:
    helpers.configure("sqlite://")
    old, new = fernet.Fernet.generate_key(), fernet.Fernet.generate_key()
    helpers.override("secret_key_file", str(key_file(tmp_path, old)),
                     group="networking")
    sealed_old = secrets.seal({"password": PASSWORD})
    rotated = key_file(tmp_path, new, old, name="rotated")
    helpers.override("secret_key_file", str(rotated), group="networking")
    assert secrets.unseal(sealed_old) == {"password": PASSWORD}
    sealed_new = secrets.seal({"password": PASSWORD})
    assert sealed_new is not None
    token = json.loads(sealed_new)["token"].encode()
    fernet.Fernet(new).decrypt(token)
    with pytest.raises(fernet.InvalidToken):
        fernet.Fernet(old).decrypt(token)


def test_update_keeps_replaces_and_removes(key: bytes) -> None:
    sealed = secrets.seal({"password": PASSWORD, "secret": SECRET})
    changed = secrets.update(sealed, {"password": "new-password"})
    assert secrets.unseal(changed) == {"password": "new-password",
                                       "secret": SECRET}
    removed = secrets.update(changed, {"secret": None})
    assert secrets.unseal(removed) == {"password": "new-password"}
    assert secrets.update(removed, {"password": None}) is None


def test_replacing_every_secret_needs_no_old_key(key: bytes,
                                                 tmp_path: Path) -> None:
    sealed = secrets.seal({"password": PASSWORD})
    other = key_file(tmp_path, fernet.Fernet.generate_key(), name="other")
    helpers.override("secret_key_file", str(other), group="networking")
    replaced = secrets.update(sealed, {"password": "fresh"})
    assert secrets.unseal(replaced) == {"password": "fresh"}
    with pytest.raises(secrets.SecretKeyError):
        secrets.update(sealed, {"secret": "x"})


def test_key_file_readable_by_others_is_warned_about_once(
        key: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = key_file(tmp_path, key, name="open")
    os.chmod(path, 0o644)
    helpers.override("secret_key_file", str(path), group="networking")
    with caplog.at_level(logging.WARNING):
        secrets.seal({"password": PASSWORD})
        secrets.seal({"password": PASSWORD})
    warnings = [r for r in caplog.records if "chmod 600" in r.getMessage()]
    assert len(warnings) == 1
    assert PASSWORD not in caplog.text
