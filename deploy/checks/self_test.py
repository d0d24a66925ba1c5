"""The deploy checks can fail: each case below breaks a copy of the templates (or buildspec)
in one known way and expects the matching check to report exactly that.

The copies live in a temporary directory; the binaries' --help comes from the real workspace
(built once by the job-definition check in the same process).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import buildspec  # noqa: E402
import cfn  # noqa: E402
import job_definitions  # noqa: E402

REAL_ROOT = cfn.ROOT

# (name, file, old text, new text, check module, text the failure must contain)
CASES = [
    ("an option the binary does not have", "deploy/batch.yaml",
     '["matcher", "load", "--run-id", "Ref::run_id"]', '["matcher", "load", "--run", "Ref::run_id"]',
     job_definitions, "has no option --run"),
    ("a subcommand the binary does not have", "deploy/batch.yaml",
     '["matcher", "run"]', '["matcher", "weekly"]',
     job_definitions, "takes no argument 'weekly'"),
    ("a variable the command does not read", "deploy/batch.yaml",
     "          - Name: MATCH_SHARD_COUNT\n", "          - Name: MATCH_SHARDS\n",
     job_definitions, "does not read: MATCH_SHARDS"),
    ("a memory size Fargate does not offer", "deploy/batch.yaml",
     'Default: "4096"', 'Default: "3072"',
     job_definitions, "2 vCPU / 3072 MiB"),
    ("a vCPU count whose memory range excludes the default", "deploy/batch.yaml",
     'Default: "2"\n', 'Default: "4"\n',
     job_definitions, "4 vCPU / 4096 MiB"),
    ("a retry keyed on the exit code (bad input retried)", "deploy/batch.yaml",
     '          - OnStatusReason: "CannotPullContainerError*"\n            Action: RETRY',
     '          - OnExitCode: "1"\n            Action: RETRY',
     job_definitions, "would repeat bad input"),
    ("an array job without the shared run id", "deploy/schedule.yaml",
     "                  - Name: MATCH_RUN_ID\n                    Value.$: $.run_id\n", "",
     job_definitions, "array job without ['MATCH_RUN_ID']"),
    ("a load submitted without its run id parameter", "deploy/schedule.yaml",
     "                run_id.$: $.run_id", "                runid.$: $.run_id",
     job_definitions, "Batch parameters ['run_id'] used by the command are not given"),
    ("a schedule naming a job definition that does not exist", "deploy/schedule.yaml",
     '"JobDefinition":"${SystemName}-run"', '"JobDefinition":"${SystemName}-runner"',
     job_definitions, "which no template defines"),
    ("a Lambda variable the API does not read", "deploy/api.yaml",
     "          REQUEST_TIMEOUT: 28s", "          REQUEST_TIMEOUT_SECS: 28",
     job_definitions, "does not read: REQUEST_TIMEOUT_SECS"),
    ("pushing before the tests", "buildspec.yml",
     "      - bash tests/run\n", "      - docker push \"$ECR_REPOSITORY_URI:$IMAGE_TAG\"\n      - bash tests/run\n",
     buildspec, "wrong order"),
    ("a command YAML reads as a mapping", "buildspec.yml",
     "the build failed, so nothing is pushed", "build failed: nothing pushed",
     buildspec, "as a dict, not a command"),
]


def run_case(tmp: Path, file: str, old: str, new: str, module) -> tuple[int, str]:
    for rel in ["Dockerfile", "buildspec.yml"] + [f"deploy/{p.name}" for p in (REAL_ROOT / "deploy").glob("*.yaml")]:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL_ROOT / rel, tmp / rel)
    target = tmp / file
    text = target.read_text()
    if old not in text:
        return -1, f"the case no longer applies: {old!r} is not in {file}"
    target.write_text(text.replace(old, new, 1))
    cfn.ROOT, cfn.DEPLOY = tmp, tmp / "deploy"
    job_definitions.ROOT = buildspec.ROOT = tmp
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = module.main()
    finally:
        cfn.ROOT, cfn.DEPLOY = REAL_ROOT, REAL_ROOT / "deploy"
        job_definitions.ROOT = buildspec.ROOT = REAL_ROOT
    return code, out.getvalue()


def main() -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, file, old, new, module, expect in CASES:
            code, output = run_case(Path(tmp), file, old, new, module)
            fails = [line for line in output.splitlines() if "FAIL" in line]
            if code == 1 and any(expect in line for line in fails):
                print(f"  ok    caught: {name}")
            else:
                failures += 1
                shown = "\n          ".join(fails) or re.sub(r"\s+", " ", output)[-300:]
                print(f"  FAIL  not caught: {name} (exit {code}; expected a failure with {expect!r})\n          {shown}")
    print(f"self-test: {len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
