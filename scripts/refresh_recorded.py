"""Refresh ``tests/recorded/`` from the curated collection of real recorded API traffic.

The tests replay the copy in the repository, so a fresh clone runs every test. Run this after
the collection (``shared/fixtures/real/`` in the folder above the clone) changes:

    python3 scripts/refresh_recorded.py            # copy new and changed files, drop removed ones
    python3 scripts/refresh_recorded.py --check    # exit 1 and list the differences instead

The README, the metadata files and the licence notices are copied with the data, unchanged.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "tests" / "recorded"
SOURCE = ROOT.parent / "shared" / "fixtures" / "real"


def _files(base: Path) -> set[Path]:
    return {path.relative_to(base) for path in base.rglob("*") if path.is_file()}


def differences(source: Path, copy: Path) -> dict[str, list[Path]]:
    """What differs between the collection and the copy: new, changed and removed files."""
    wanted, held = _files(source), _files(copy)
    changed = [p for p in sorted(wanted & held) if not filecmp.cmp(source / p, copy / p, shallow=False)]
    return {"new": sorted(wanted - held), "changed": changed, "removed": sorted(held - wanted)}


def main(argv: list[str] | None = None) -> int:
    """Copy (or with ``--check``, compare) the collection into ``tests/recorded``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report differences; exit 1 if any")
    parser.add_argument("--source", type=Path, default=SOURCE, help=f"the collection (default {SOURCE})")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"refresh_recorded: no collection at {args.source}", file=sys.stderr)
        return 2
    diff = differences(args.source, COPY)
    for kind, paths in diff.items():
        for path in paths:
            print(f"{kind}: {path}")
    if args.check:
        return 1 if any(diff.values()) else 0
    for path in diff["new"] + diff["changed"]:
        (COPY / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.source / path, COPY / path)
    for path in diff["removed"]:
        (COPY / path).unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
