"""``esi-leap-users``: add a user to the HTTP basic users file.

    esi-leap-users FILE USER PROJECT_ID PROJECT_NAME ROLES

ROLES is comma-separated (for example ``member`` or ``admin``). The
password is read from the ``ESI_LEAP_PASSWORD`` environment variable, or
generated and printed once when it is unset. An existing entry for USER is
replaced. The file is created readable only by its owner.
"""

import argparse
import os
import secrets
import sys

from esi_leap.common import users_file


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esi-leap-users", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="the users file "
                        "([DEFAULT] http_basic_auth_user_file)")
    parser.add_argument("user")
    parser.add_argument("project_id")
    parser.add_argument("project_name")
    parser.add_argument("roles", help="comma-separated, e.g. member")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    password = os.environ.get("ESI_LEAP_PASSWORD")
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(16)
    try:
        entry = users_file.make_entry(
            args.user, password, args.project_id, args.project_name,
            [r for r in args.roles.split(",") if r])
    except ValueError as exc:
        print(f"esi-leap-users: {exc}", file=sys.stderr)
        return 2
    lines = []
    if os.path.exists(args.file):
        with open(args.file, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f
                     if not line.startswith(args.user + ":")]
    fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines + [entry]) + "\n")
    if generated:
        print(f"Password for {args.user}: {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
