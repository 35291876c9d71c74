"""The users file of ``auth_strategy = http_basic``."""

import logging
import os
from pathlib import Path

import pytest

from esi_leap.common import users_file

ROUNDS = 4  # bcrypt's cheapest cost keeps the tests fast


def entry(user: str, password: str, project_id: str = "p1",
          project_name: str = "project-one",
          roles: tuple[str, ...] = ("member",)) -> str:
    return users_file.make_entry(user, password, project_id, project_name,
                                 roles, rounds=ROUNDS)


def write(path: Path, *lines: str) -> None:
    """Write the file and make sure its mtime moves forward."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text("\n".join(lines) + "\n")
    after = max(path.stat().st_mtime_ns, before + 1_000_000)
    os.utime(path, ns=(after, after))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "htpasswd"


def test_parse(path: Path) -> None:
    write(path,
          "# user:bcrypt_hash:project_id:project_name:roles",
          "",
          entry("alice", "a-secret", roles=("member", "reader")),
          "   ",
          entry("bob", "b-secret", "p2", "project-two", ("reader",)),
          entry("carol", "c-secret", "p2", "project-two", ()))
    users = users_file.UsersFile.load(str(path))
    assert users.projects() == {"p1": "project-one", "p2": "project-two"}
    assert users.users() == {
        "alice": users_file.LocalUser("alice", "p1", "project-one",
                                      ("member", "reader")),
        "bob": users_file.LocalUser("bob", "p2", "project-two",
                                    ("reader",)),
        "carol": users_file.LocalUser("carol", "p2", "project-two", ()),
    }


@pytest.mark.parametrize("bad, reason", [
    ("alice:$2b$04$xyz:p1:project-one", "5 fields"),
    ("alice:plain-password:p1:project-one:member", "not a bcrypt hash"),
    ("alice:$2b$04$xyz:p1:project-one:member", "not a bcrypt hash"),
    (":$2b$04$xyz:p1:project-one:member", "user field is empty"),
    ("alice:$2b$04$xyz::project-one:member", "project_id field is empty"),
])
def test_bad_line_names_the_line(path: Path, bad: str, reason: str,
                                 caplog: pytest.LogCaptureFixture) -> None:
    write(path, "# header", entry("bob", "b-secret"), bad)
    with (caplog.at_level(logging.DEBUG),
          pytest.raises(users_file.UsersFileError) as info):
        users_file.UsersFile.load(str(path))
    assert info.value.lineno == 3
    assert f"{path}, line 3" in str(info.value)
    assert reason in str(info.value)
    for secret in ("$2b$04$xyz", "plain-password"):
        assert secret not in str(info.value)
        assert secret not in caplog.text


def test_duplicate_user(path: Path) -> None:
    write(path, entry("alice", "x"), entry("alice", "y"))
    with pytest.raises(users_file.UsersFileError, match="line 2"):
        users_file.UsersFile.load(str(path))


def test_project_with_two_names(path: Path) -> None:
    write(path, entry("alice", "x", "p1", "one"),
          entry("bob", "y", "p1", "uno"))
    with pytest.raises(users_file.UsersFileError, match="line 2"):
        users_file.UsersFile.load(str(path))


def test_authenticate(path: Path) -> None:
    write(path, entry("alice", "a-secret:with colon", roles=("member",)))
    users = users_file.UsersFile.load(str(path))
    user = users.authenticate("alice", "a-secret:with colon")
    assert user is not None
    assert (user.name, user.project_id, user.roles) == (
        "alice", "p1", ("member",))
    assert users.authenticate("alice", "wrong") is None
    assert users.authenticate("alice", "") is None
    assert users.authenticate("nobody", "a-secret:with colon") is None


def test_long_password_counts_72_bytes(path: Path) -> None:
    write(path, entry("alice", "p" * 72))
    users = users_file.UsersFile.load(str(path))
    assert users.authenticate("alice", "p" * 72) is not None
    assert users.authenticate("alice", "p" * 72 + "more") is not None
    assert users.authenticate("alice", "p" * 71) is None


def test_htpasswd_2y_hashes_work(path: Path) -> None:
    line = entry("alice", "a-secret").replace("$2b$", "$2y$", 1)
    write(path, line)
    users = users_file.UsersFile.load(str(path))
    assert users.authenticate("alice", "a-secret") is not None


def test_reload_on_change(path: Path) -> None:
    write(path, entry("alice", "old"))
    users = users_file.UsersFile.load(str(path))
    assert users.authenticate("alice", "old") is not None
    write(path, entry("alice", "new"), entry("bob", "b", "p2", "two"))
    assert users.authenticate("alice", "old") is None
    assert users.authenticate("alice", "new") is not None
    assert users.projects() == {"p1": "project-one", "p2": "two"}


def test_broken_edit_fails_closed(path: Path) -> None:
    write(path, entry("alice", "a"))
    users = users_file.UsersFile.load(str(path))
    write(path, entry("alice", "a"), "garbage")
    with pytest.raises(users_file.UsersFileError, match="line 2"):
        users.authenticate("alice", "a")
    write(path, entry("alice", "a"))
    assert users.authenticate("alice", "a") is not None


def test_missing_file(path: Path) -> None:
    with pytest.raises(users_file.UsersFileError, match="does not exist"):
        users_file.UsersFile.load(str(path))
    users = users_file.UsersFile.load(str(path), missing_ok=True)
    assert users.projects() == {}
    write(path, entry("alice", "a"))
    assert users.projects() == {"p1": "project-one"}


@pytest.mark.parametrize("kwargs", [
    {"user": "a:b"},
    {"project_name": "two\nlines"},
    {"project_id": ""},
    {"roles": ("member,reader",)},
    {"password": "x" * 73},
])
def test_make_entry_refuses_bad_fields(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "user": "alice", "password": "x", "project_id": "p1",
        "project_name": "one", "roles": ("member",), "rounds": ROUNDS}
    args.update(kwargs)
    with pytest.raises(ValueError):
        users_file.make_entry(**args)  # type: ignore[arg-type]


def test_make_entry_hashes(path: Path) -> None:
    line = entry("alice", "a-secret")
    assert "a-secret" not in line
    user, hashed, project_id, project_name, roles = line.split(":")
    assert hashed.startswith("$2b$04$")
    assert (user, project_id, project_name, roles) == (
        "alice", "p1", "project-one", "member")
