"""The rule every linter exception in the templates follows (checkov skips, cfripper and
parliament allowances): it carries a justification of at least 40 characters, and the finding
it silences still occurs, so that a fix leaves no stale exception behind."""

from __future__ import annotations

MIN_JUSTIFICATION = 40


def audit(where: str, comment: str | None, still_needed: bool, stale: str) -> bool:
    """Prints the verdict on one exception; True when it fails. `stale` says, after
    "<where>, ", why an exception no longer needed should go."""
    comment = (comment or "").strip()
    if len(comment) < MIN_JUSTIFICATION:
        print(f"  FAIL  {where} without a justification (comment: {comment!r})")
        return True
    if not still_needed:
        print(f"  FAIL  {where}, {stale}")
        return True
    print(f"  ok    {where}: {comment}")
    return False


def verdict(summary: str, failures: int) -> int:
    """Prints the check's closing line, `summary` and whether every exception passed the
    audit; the exit status."""
    print(f"{summary}, each justified and needed: {'yes' if failures == 0 else 'no'}")
    return 1 if failures else 0
