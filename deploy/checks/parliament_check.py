"""parliament (Duo Labs' IAM policy linter) on every identity policy of the templates.

The policies are rendered for one deployment (roles.example(): real ARNs in place of the
intrinsics), so that parliament checks every action against the resources it really names. A
finding is accepted only where the role or managed policy says why, in its Metadata:

    Metadata:
      parliament:
        allow:
          - issue: RESOURCE_MISMATCH
            policy: <policy name>
            comment: <at least a sentence>

and every exception must still be needed, as for the checkov skips.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from parliament import analyze_policy_string

sys.path.insert(0, str(Path(__file__).parent))
import exceptions  # noqa: E402
import roles  # noqa: E402
from report import run_check  # noqa: E402


def main() -> int:
    failures = 0
    policies = roles.all_policies(roles.example())
    used: set[tuple[str, str, str, str]] = set()
    findings = 0
    for t, lid, name, doc in policies:
        allowed = ((t.resources[lid].get("Metadata") or {}).get("parliament") or {}).get("allow", []) or []
        result = analyze_policy_string(json.dumps(doc), include_community_auditors=False)
        for f in result.findings:
            findings += 1
            match = [a for a in allowed if a.get("issue") == f.issue and a.get("policy", name) == name]
            if match:
                used.add((t.path.name, lid, f.issue, name))
            else:
                failures += 1
                print(f"  FAIL  {t.path.name} {lid} policy {name}: {f.issue} ({f.severity}) {f.detail}")
    n_allowed = 0
    for t in {p[0].path.name: p[0] for p in policies}.values():
        for lid, res in t.resources.items():
            for a in ((res.get("Metadata") or {}).get("parliament") or {}).get("allow", []) or []:
                n_allowed += 1
                failures += exceptions.audit(
                    f"{t.path.name} {lid} allows {a.get('issue')} in policy {a.get('policy')}",
                    a.get("comment"), (t.path.name, lid, a.get("issue"), a.get("policy")) in used,
                    "but parliament no longer reports it: remove the exception")
    return exceptions.verdict(f"parliament: {len(policies)} policies, {findings} findings, "
                              f"{n_allowed} exceptions", failures)


if __name__ == "__main__":
    run_check(main, roles.RenderError)
