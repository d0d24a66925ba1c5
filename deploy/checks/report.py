"""What every check prints and the status it exits with: an `ok` or `FAIL` line per finding, a
closing count, and status 1 when anything failed (deploy/check reads only the status)."""

from __future__ import annotations

import sys
from typing import Callable, NoReturn


class Report:
    """Prints each finding and counts it."""

    def __init__(self) -> None:
        self.failures = 0
        self.passes = 0

    def ok(self, text: str) -> None:
        self.passes += 1
        print(f"  ok    {text}")

    def fail(self, text: str) -> None:
        self.failures += 1
        print(f"  FAIL  {text}")

    def check(self, good: bool, text: str) -> None:
        (self.ok if good else self.fail)(text)

    def note(self, text: str) -> None:
        print(f"        {text}")

    def status(self, label: str) -> int:
        """Prints the closing count under `label`; the exit status."""
        print(f"{label}: {self.passes} passed, {self.failures} failed")
        return 1 if self.failures else 0


def run_check(main: Callable[[], int], *expected: type[Exception]) -> NoReturn:
    """Exits with main()'s status. An `expected` error (a template that cannot be read or
    rendered) ends the check with one more FAIL line rather than a traceback."""
    try:
        sys.exit(main())
    except expected as e:
        print(f"  FAIL  {e}")
        sys.exit(1)
