"""`python -m panel_selection verify FILE.json` (exit 0 only when valid) and `steps FILE.json`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .record import RecordFormatError, SelectionRecord
from .verify import steps, verify

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m panel_selection",
                                     description="Check a published hearing-member selection record.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("verify", help="recompute the selection and report every problem").add_argument("file")
    commands.add_parser("steps", help="print every step of the selection").add_argument("file")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.file}: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.command == "verify":
        report = verify(data)
        print(report.render())
        return EXIT_VALID if report.ok else EXIT_INVALID
    try:
        record = SelectionRecord.from_dict(data)
    except RecordFormatError as error:
        print(f"malformed record: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    for step in steps(record):
        print(f"{step.code}: {step.text}")
    return EXIT_VALID


if __name__ == "__main__":
    sys.exit(main())
