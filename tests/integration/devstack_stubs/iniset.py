"""``iniset [-sudo] FILE SECTION OPTION VALUE`` as devstack's, for tests.

Sets one option in an INI file, creating the file and the section when
they are missing and keeping every other line as it is (option names keep
their case; values are written verbatim, as devstack's ``iniset`` does).
"""

import sys
from pathlib import Path


def iniset(path: Path, section: str, option: str, value: str) -> None:
    """Set ``option`` of ``[section]`` in ``path`` to ``value``."""
    lines = path.read_text().splitlines() if path.exists() else []
    header = f"[{section}]"
    new = f"{option} = {value}"
    try:
        start = lines.index(header) + 1
    except ValueError:
        lines += ([""] if lines else []) + [header, new]
        path.write_text("\n".join(lines) + "\n")
        return
    end = start
    while end < len(lines) and not lines[end].startswith("["):
        name = lines[end].split("=", 1)[0].strip()
        if name == option:
            lines[end] = new
            break
        end += 1
    else:
        while end > start and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, new)
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    """Command line: the arguments of devstack's ``iniset``."""
    if argv and argv[0] == "-sudo":
        argv = argv[1:]
    if len(argv) != 4:
        print("usage: iniset [-sudo] FILE SECTION OPTION VALUE",
              file=sys.stderr)
        return 2
    iniset(Path(argv[0]), argv[1], argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
