"""esi-leap-users writes entries the users file accepts."""

import os
import stat

from esi_leap.cmd import users
from esi_leap.common import users_file


def test_add_and_replace_user(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "users")
    monkeypatch.setenv("ESI_LEAP_PASSWORD", "s3cret")
    assert users.main([path, "alice", "p1", "proj-one", "member"]) == 0
    assert users.main([path, "bob", "p2", "proj-two", "reader"]) == 0
    assert users.main([path, "alice", "p3", "proj-three", "admin"]) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = users_file.UsersFile.load(path)
    alice = loaded.authenticate("alice", "s3cret")
    assert alice is not None and alice.project_id == "p3"
    assert "admin" in alice.roles
    assert loaded.authenticate("bob", "wrong") is None
    assert "s3cret" not in capsys.readouterr().out


def test_generated_password_is_printed_once(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ESI_LEAP_PASSWORD", raising=False)
    path = str(tmp_path / "users")
    assert users.main([path, "carol", "p1", "proj", "member"]) == 0
    password = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert users_file.UsersFile.load(path).authenticate("carol", password)
