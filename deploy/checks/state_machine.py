"""The sharded run's state machine, run on paper.

Its Pass states make the run id from the execution's start time with Step Functions intrinsic
functions, which nothing else here can execute. This evaluates those states (a small
interpreter for the intrinsics they use) for a few start times and checks that:
- the run id has the matcher's RunId form (YYYYMMDDTHHMMSSZ-xxxxxxxx, as in postings/src/ids.rs)
  and the start time's date and time;
- the array job gets that run id as MATCH_RUN_ID and an integer array size equal to the
  MATCH_SHARD_COUNT it passes;
- the plan it reads (to skip the load when nothing was new) is the file the matcher writes,
  and the load job gets the same run id.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cfn import ROOT, CheckError, templates  # noqa: E402
from report import Report, run_check  # noqa: E402

RUN_ID = re.compile(r"^(\d{8})T(\d{6})Z-[0-9a-f]{8}$")


class Intrinsics:
    """Parses and evaluates `States.X(...)` expressions over a state input and context."""

    def __init__(self, data: dict, context: dict) -> None:
        self.data, self.context = data, context

    def path(self, p: str):
        root = self.context if p.startswith("$$") else self.data
        p = p[2:] if p.startswith("$$") else p[1:]
        value = root
        for part in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", p):
            key, index = part
            value = value[key] if key else value[int(index)]
        return value

    def eval(self, text: str):
        value, rest = self._expr(text.strip())
        if rest.strip():
            raise CheckError(f"cannot parse {text!r} near {rest!r}")
        return value

    def _expr(self, s: str):
        s = s.lstrip()
        if s.startswith("'"):
            end = s.index("'", 1)
            return s[1:end], s[end + 1:]
        if s.startswith("$"):
            m = re.match(r"\$\$?[A-Za-z0-9_.\[\]]*", s)
            return self.path(m.group(0)), s[m.end():]
        m = re.match(r"-?\d+", s)
        if m:
            return int(m.group(0)), s[m.end():]
        m = re.match(r"States\.([A-Za-z]+)\(", s)
        if not m:
            raise CheckError(f"cannot parse {s!r}")
        args, s = [], s[m.end():]
        while True:
            s = s.lstrip()
            if s.startswith(")"):
                s = s[1:]
                break
            value, s = self._expr(s)
            args.append(value)
            s = s.lstrip()
            if s.startswith(","):
                s = s[1:]
        return self._call(m.group(1), args), s

    @staticmethod
    def _call(name: str, args: list):
        if name == "StringSplit":
            # Documented: the second argument is the delimiting character(s); empty parts dropped.
            text, delims = args
            return [p for p in re.split("[" + re.escape(delims) + "]", text) if p]
        if name == "ArrayGetItem":
            return args[0][args[1]]
        if name == "UUID":
            return str(uuid.uuid4())
        if name == "StringToJson":
            return json.loads(args[0])
        if name == "Format":
            template, *values = args
            parts = template.split("{}")
            if len(parts) != len(values) + 1:
                raise CheckError(f"States.Format: {len(values)} values for {template!r}")
            return "".join(p + (str(v) if i < len(values) else "")
                           for i, (p, v) in enumerate(zip(parts, values + [""])))
        raise CheckError(f"intrinsic States.{name} is not known to this check")


def parameters(params: dict, ev: Intrinsics) -> dict:
    out = {}
    for k, v in params.items():
        if k.endswith(".$"):
            out[k[:-2]] = ev.eval(v) if v.startswith("States.") else ev.path(v)
        elif isinstance(v, dict):
            out[k] = parameters(v, ev)
        elif isinstance(v, list):
            out[k] = [parameters(x, ev) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def main() -> int:
    report = Report()

    plan_source = (ROOT / "matcher/src/stage/plan.rs")
    plan_pattern = None
    if plan_source.exists():
        m = re.search(r'format!\("(runs/\{run_id\}/[a-z_]+\.json)"', plan_source.read_text())
        plan_pattern = m.group(1) if m else None

    machines = 0
    for t in templates():
        for lid, res in t.resources("AWS::StepFunctions::StateMachine"):
            machines += 1
            props = res["Properties"]
            subs = {k: str(t.resolve(v)) for k, v in (props.get("DefinitionSubstitutions") or {}).items()}
            text = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: subs.get(m.group(1), m.group(0)),
                          json.dumps(props["Definition"]))
            definition = json.loads(text)
            states = definition["States"]
            for start in ("2026-11-23T03:00:00.123Z", "2027-01-04T18:05:09Z"):
                data, name = {}, definition["StartAt"]
                ctx = {"Execution": {"StartTime": start}}
                try:
                    while states[name]["Type"] == "Pass":
                        data = parameters(states[name].get("Parameters", {}), Intrinsics(data, ctx))
                        name = states[name]["Next"]
                    task = states[name]
                    params = parameters(task["Parameters"], Intrinsics(data, ctx))
                except (CheckError, KeyError, IndexError, ValueError) as e:
                    report.fail(f"{t.name} {lid} from {start}: evaluation failed: {e}")
                    continue
                env = {e["Name"]: e.get("Value") for e in params.get("ContainerOverrides", {}).get("Environment", [])}
                run_id = env.get("MATCH_RUN_ID", "")
                m = RUN_ID.match(str(run_id))
                want = start[:10].replace("-", "") + "T" + start[11:19].replace(":", "")
                report.check(bool(m) and f"{m.group(1)}T{m.group(2)}" == want,
                             f"{t.name} {lid}: start {start} -> MATCH_RUN_ID {run_id!r} (RunId form, same time)")
                size = params.get("ArrayProperties", {}).get("Size")
                report.check(isinstance(size, int) and size >= 2 and str(size) == str(env.get("MATCH_SHARD_COUNT")),
                             f"{t.name} {lid}: array size {size!r} (a number >= 2) equals MATCH_SHARD_COUNT "
                             f"{env.get('MATCH_SHARD_COUNT')!r}")
                # The plan read and the load use the same run id.
                reads = [s for s in states.values() if "s3:getObject" in str(s.get("Resource", ""))]
                for s in reads:
                    key = Intrinsics({"run_id": run_id}, ctx).eval(s["Parameters"]["Key.$"])
                    expected = plan_pattern.replace("{run_id}", run_id) if plan_pattern else None
                    report.check(key == expected,
                                 f"{t.name} {lid}: reads plan {key} (matcher writes "
                                 f"{plan_pattern or 'no plan file found in matcher/src/stage/plan.rs'})")
                loads = [s for s in states.values()
                         if "batch:submitJob" in str(s.get("Resource", "")) and "Parameters" in s.get("Parameters", {})]
                for s in loads:
                    given = s["Parameters"]["Parameters"]
                    report.check(given.get("run_id.$") == "$.run_id" and "run_id" in data,
                                 f"{t.name} {lid}: the load gets run_id from the same execution data")
    if machines == 0:
        report.fail("no state machine found")
    return report.status("state machines")


if __name__ == "__main__":
    run_check(main, CheckError)
