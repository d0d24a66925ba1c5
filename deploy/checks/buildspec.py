"""buildspec.yml: parsed, and checked for what the pipeline relies on.

- version 0.2 and the install / pre_build / build / post_build phases, each with commands;
- an ECR login before anything is pushed, the project's test command before the image build,
  the image build before any push;
- images tagged with CODEBUILD_RESOLVED_SOURCE_VERSION and a moving tag, both pushed;
- every file the pipeline's deploy actions read with Fn::GetParam is an artifact the buildspec
  declares and writes, holding the key they read.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from cfn import ROOT, CheckError, templates  # noqa: E402
from report import Report  # noqa: E402

PHASES = ["install", "pre_build", "build", "post_build"]


def main() -> int:
    report = Report()
    ok, fail = report.ok, report.fail

    try:
        spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    except yaml.YAMLError as e:
        fail(f"buildspec.yml does not parse: {e}")
        return 1
    if str(spec.get("version")) == "0.2":
        ok("version 0.2 (one shell for all commands, so variables carry between phases)")
    else:
        fail(f"version is {spec.get('version')!r}, expected 0.2")

    phases = spec.get("phases") or {}
    commands: list[tuple[str, int, str]] = []
    for name in PHASES:
        cmds = (phases.get(name) or {}).get("commands")
        if not isinstance(cmds, list) or not cmds:
            fail(f"phase {name}: missing or without a list of commands")
            continue
        odd = [c for c in cmds if not isinstance(c, str)]
        if odd:
            fail(f"phase {name}: YAML reads {odd!r} as a {type(odd[0]).__name__}, not a command "
                 "(an unquoted ': ' or '#'? quote the command)")
            continue
        ok(f"phase {name}: {len(cmds)} commands")
        commands += [(name, i, c) for i, c in enumerate(cmds)]
    unknown = set(phases) - set(PHASES)
    if unknown:
        fail(f"unknown phases {sorted(unknown)}")

    def first(pattern: str) -> int | None:
        for n, (_, _, c) in enumerate(commands):
            if re.search(pattern, c):
                return n
        return None

    login = first(r"ecr get-login-password.*docker login")
    tests = first(r"^bash tests/run\b")
    build = first(r"docker (buildx )?build\b")
    push = first(r"docker push")
    order = [("ECR login", login), ("tests (bash tests/run)", tests),
             ("docker build", build), ("docker push", push)]
    missing = [n for n, i in order if i is None]
    if missing:
        fail(f"missing steps: {', '.join(missing)}")
    elif login < push and tests < build < push:
        ok("order: ECR login and the tests run before the image is built, the build before any push")
    else:
        fail(f"wrong order: {[(n, i) for n, i in order]}")

    text = "\n".join(c for _, _, c in commands)
    if "CODEBUILD_RESOLVED_SOURCE_VERSION" in text and re.search(r'--tag "\$ECR_REPOSITORY_URI:\$IMAGE_TAG"', text):
        ok("image tagged with the commit (CODEBUILD_RESOLVED_SOURCE_VERSION)")
    else:
        fail("the image is not tagged with CODEBUILD_RESOLVED_SOURCE_VERSION")
    if re.search(r'--tag "\$ECR_REPOSITORY_URI:\$IMAGE_MOVING_TAG"', text) and \
            re.search(r'docker push "\$ECR_REPOSITORY_URI:\$IMAGE_MOVING_TAG"', text) and \
            re.search(r'docker push "\$ECR_REPOSITORY_URI:\$IMAGE_TAG"', text):
        ok("both the commit tag and the moving tag are pushed")
    else:
        fail("the commit tag and the moving tag are not both tagged and pushed")

    artifacts = set((spec.get("artifacts") or {}).get("files") or [])
    try:
        reads = set()
        for t in templates():
            for lid, res in t.resources("AWS::CodePipeline::Pipeline"):
                for stage in t.resolve(res["Properties"]["Stages"]):
                    for action in stage["Actions"]:
                        overrides = action.get("Configuration", {}).get("ParameterOverrides")
                        if overrides:
                            for artifact, file, key in _get_params(json.loads(overrides)):
                                reads.add((f"{t.name} {action['Name']}", artifact, file, key))
    except CheckError as e:
        fail(str(e))
        reads = set()
    if not reads:
        fail("no pipeline deploy action reads the build's output (Fn::GetParam)")
    for where, artifact, file, key in sorted(reads):
        writes = re.search(rf"> {re.escape(file)}\b", text)
        has_key = re.search(rf'\\?"{re.escape(key)}\\?"', text)
        if file in artifacts and writes and has_key:
            ok(f"{where} reads {key} from {artifact}::{file}, which the build writes and declares")
        else:
            fail(f"{where} reads {key} from {artifact}::{file}, but the buildspec "
                 f"{'does not declare it' if file not in artifacts else 'does not write it with that key'}")

    return report.status("buildspec")


def _get_params(v):
    if isinstance(v, dict):
        if set(v) == {"Fn::GetParam"}:
            yield tuple(v["Fn::GetParam"])
        else:
            for x in v.values():
                yield from _get_params(x)
    elif isinstance(v, list):
        for x in v:
            yield from _get_params(x)


if __name__ == "__main__":
    sys.exit(main())
