"""checkov on the templates, and an audit of its skips.

1. checkov (CloudFormation framework, offline) on every template: no failed check.
2. Every skip (Metadata.checkov.skip on a resource) carries a justification -- a `comment` of
   at least a sentence -- and is needed: the same templates with all skips removed must fail
   exactly that check on that resource. A skip that no longer hides a failure is an error, so
   that skips do not outlive their reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import exceptions  # noqa: E402
from cfn import CheckError, templates  # noqa: E402
from report import run_check  # noqa: E402

CHECKOV = Path(sys.executable).parent / "checkov"


def run_checkov(files: list[Path]) -> tuple[dict, dict]:
    """(results, summary) of one checkov run over `files`."""
    args = [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--quiet",
            "--compact", "-o", "json"]
    for f in files:
        args += ["-f", str(f)]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    if out.returncode not in (0, 1):
        raise CheckError(f"checkov crashed ({out.returncode}): {out.stderr[-2000:]}")
    data = json.loads(out.stdout) if out.stdout.strip() else {}
    runs = data if isinstance(data, list) else [data]
    results: dict = {"failed_checks": []}
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    for d in runs:
        results["failed_checks"] += d.get("results", {}).get("failed_checks", [])
        for k in summary:
            summary[k] += int(d.get("summary", {}).get(k, 0))
    return results, summary


def main() -> int:
    failures = 0
    ts = templates()
    results, summary = run_checkov([t.path for t in ts])
    failed = results["failed_checks"]
    print(f"  checkov on {len(ts)} templates ({summary['resource_count']} resources): "
          f"{summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped")
    if summary["parsing_errors"] or summary["resource_count"] == 0:
        failures += 1
        print(f"  FAIL  checkov could not read every template ({summary['parsing_errors']} parsing errors)")
    for c in failed:
        failures += 1
        print(f"  FAIL  {c['check_id']} {c['check_name']}: {Path(c['file_path']).name} {c['resource']}")

    skips = []
    with tempfile.TemporaryDirectory() as tmp:
        stripped = []
        for t in ts:
            body = json.loads(json.dumps(t.body))
            for lid, res in (body.get("Resources") or {}).items():
                meta = res.get("Metadata") or {}
                for s in (meta.get("checkov") or {}).get("skip", []) or []:
                    skips.append((t.path.name, f"{res['Type']}.{lid}", s.get("id"), (s.get("comment") or "").strip()))
                if "checkov" in meta:
                    del meta["checkov"]
            out = Path(tmp) / (t.path.stem + ".json")
            out.write_text(json.dumps(body))
            stripped.append(out)
        unskipped, _ = run_checkov(stripped)
    hidden = {(Path(c["file_path"]).stem, c["resource"], c["check_id"]) for c in unskipped.get("failed_checks", [])}
    for file, resource, check_id, comment in skips:
        failures += exceptions.audit(
            f"{file} {resource} skips {check_id}", comment,
            (Path(file).stem, resource, check_id) in hidden,
            "but the check passes without the skip: remove it")
    return exceptions.verdict(f"checkov: {summary['passed']} checks passed, {summary['failed']} failed; "
                              f"{len(skips)} skips", failures)


if __name__ == "__main__":
    run_check(main, CheckError)
