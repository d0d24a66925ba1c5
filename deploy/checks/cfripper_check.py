"""cfripper (Skyscanner's CloudFormation security rules) on every template, with exceptions.

Each template is resolved with the parameters a deployment passes (roles.example()) and
checked. A finding is accepted only where the resource says why, in its Metadata:

    Metadata:
      cfripper:
        allow:
          - rule: WildcardResourceRule
            comment: <at least a sentence: why this resource needs it>

and every such exception must still be needed (the rule must still fire on that resource), so
that exceptions do not outlive their reason -- the same discipline as the checkov skips.

pycfmodel (cfripper's parser) rejects a decimal in NumericLessThan (s3:TlsVersion "1.2", the
value AWS documents), so bucket-policy statements with that one condition are removed from the
copy cfripper reads; the check says so. References to List<...> parameters are inlined in
that copy too (pycfmodel would resolve them to the list's text).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import exceptions  # noqa: E402
import roles  # noqa: E402
from report import run_check  # noqa: E402

CFRIPPER = Path(sys.executable).parent / "cfripper"


def decimal_tls_condition(statement: dict) -> bool:
    cond = statement.get("Condition") or {}
    return any(isinstance(v, dict) and "s3:TlsVersion" in v for k, v in cond.items() if k.startswith("Numeric"))


def inline_lists(v, lists: dict):
    """pycfmodel resolves a !Ref to a List<...> parameter to the list's text; put the list in."""
    if isinstance(v, dict):
        if len(v) == 1 and "Ref" in v and v["Ref"] in lists:
            return lists[v["Ref"]]
        return {k: inline_lists(x, lists) for k, x in v.items()}
    if isinstance(v, list):
        return [inline_lists(x, lists) for x in v]
    return v


def readable_copy(body: dict, notes: list[str], name: str, lists: dict) -> dict:
    body["Resources"] = inline_lists(body.get("Resources") or {}, lists)
    for lid, res in (body.get("Resources") or {}).items():
        doc = (res.get("Properties") or {}).get("PolicyDocument")
        if res.get("Type") == "AWS::S3::BucketPolicy" and isinstance(doc, dict):
            kept = [s for s in doc["Statement"] if not decimal_tls_condition(s)]
            if len(kept) != len(doc["Statement"]):
                notes.append(f"{name} {lid}: the s3:TlsVersion statement is left out (pycfmodel cannot read a decimal)")
                doc["Statement"] = kept
    return body


def main() -> int:
    deployment = roles.example()
    failures = 0
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        params: dict = {}
        allowed: dict[tuple[str, str], list[dict]] = {}
        for path in sorted(roles.DEPLOY.glob("*.yaml")):
            t = roles.load(path.name, deployment)
            for k, v in t.params.items():
                # pycfmodel wants List<...> parameters as lists, CommaDelimitedList as text.
                kind = str(((t.body.get("Parameters") or {}).get(k) or {}).get("Type", ""))
                params[k] = v.split(",") if kind.startswith("List<") else v
            for lid, res in t.resources.items():
                for a in ((res.get("Metadata") or {}).get("cfripper") or {}).get("allow", []) or []:
                    allowed.setdefault((path.name, lid), []).append(a)
            out = Path(tmp) / f"{path.stem}.json"
            lists = {k: v.split(",") for k, v in t.params.items()
                     if str(((t.body.get("Parameters") or {}).get(k) or {}).get("Type", "")).startswith("List<")}
            out.write_text(json.dumps(readable_copy(t.body, notes, path.name, lists)))
            copies.append(out)
        (Path(tmp) / "params.json").write_text(json.dumps(params))
        findings: list[tuple[str, str, str, str]] = []
        for copy in copies:
            run = subprocess.run([str(CFRIPPER), "--resolve", "--resolve-parameters", str(Path(tmp) / "params.json"),
                                  "--format", "json", "--logging", "ERROR",
                                  "--aws-account-id", roles.ACCOUNT, str(copy)],
                                 capture_output=True, text=True)
            start = run.stdout.find("{")
            if run.returncode not in (0, 2) or start < 0:
                print(f"  FAIL  cfripper could not check {copy.stem}.yaml (exit {run.returncode}): {run.stderr.strip()[-600:]}")
                failures += 1
                continue
            result = json.loads(run.stdout[start:])
            for e in result.get("exceptions", []):
                print(f"  FAIL  {copy.stem}.yaml: cfripper raised {e}")
                failures += 1
            for f in result.get("failures", []):
                for rid in f.get("resource_ids") or ["(template)"]:
                    findings.append((f"{copy.stem}.yaml", rid, f["rule"], f["reason"]))
    for note in notes:
        print(f"  note  {note}")
    used: set[tuple[str, str, str]] = set()
    seen: set[tuple[str, str, str]] = set()
    for file, rid, rule, reason in findings:
        if (file, rid, rule) in seen:
            continue
        seen.add((file, rid, rule))
        if any(a.get("rule") == rule for a in allowed.get((file, rid), [])):
            used.add((file, rid, rule))
        else:
            failures += 1
            print(f"  FAIL  {file} {rid}: {rule}: {reason}")
    n_allowed = 0
    for (file, rid), entries in sorted(allowed.items()):
        for a in entries:
            n_allowed += 1
            failures += exceptions.audit(
                f"{file} {rid} allows {a.get('rule')}", a.get("comment"),
                (file, rid, a.get("rule")) in used,
                "but the rule no longer fires there: remove the exception")
    return exceptions.verdict(f"cfripper: {len(copies)} templates, {len(seen)} findings, "
                              f"{n_allowed} exceptions", failures)


if __name__ == "__main__":
    run_check(main, roles.RenderError)
