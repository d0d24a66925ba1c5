"""Every command the templates run is one the image's binaries accept, and every Fargate size
is one Fargate offers.

(a) Commands and environment. Sources of commands: Batch job definitions, the job submissions
    in Step Functions definitions and Scheduler targets (with their overrides), and the Lambda
    function's ImageConfig. Each command's binary must be built by the Dockerfile, its
    subcommands and flags must appear in the binary's `--help`, and each environment variable
    set for it must be one that command reads: a clap `[env: NAME]` marker of that command, a
    `std::env::var("NAME")` in the binary's crates, or a variable of the AWS SDK, tracing's
    RUST_LOG, or the Lambda Web Adapter (Lambda only).
(b) Fargate sizes. Each job definition's (and override's) vCPU / memory pair must be in
    Fargate's table (checked on the parameter defaults the template resolves to).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import binaries
from cfn import ROOT, CheckError, Template, templates
from report import Report

# Fargate: vCPU -> (min MiB, max MiB, step MiB).
FARGATE = {
    0.25: (512, 2048, None),  # 512, 1024, 2048
    0.5: (1024, 4096, 1024),
    1: (2048, 8192, 1024),
    2: (4096, 16384, 1024),
    4: (8192, 30720, 1024),
    8: (16384, 61440, 4096),
    16: (32768, 122880, 8192),
}
# Read by the Lambda Web Adapter extension in the image, not by our binaries.
LAMBDA_ADAPTER_ENV = re.compile(r"^AWS_LWA_[A-Z0-9_]+$")


def fargate_allows(vcpu: float, mib: int) -> tuple[bool, str]:
    if vcpu not in FARGATE:
        return False, f"{vcpu} vCPU is not a Fargate size ({', '.join(map(str, FARGATE))})"
    lo, hi, step = FARGATE[vcpu]
    if vcpu == 0.25:
        ok, rule = mib in (512, 1024, 2048), "512, 1024 or 2048"
    else:
        ok, rule = lo <= mib <= hi and (mib - lo) % step == 0, f"{lo}-{hi} by {step}"
    return ok, f"{vcpu:g} vCPU allows {rule} MiB"


@dataclass
class Invocation:
    where: str
    argv: list[str]
    # variable -> where it is set (environment, secret, override)
    env: dict[str, str] = field(default_factory=dict)
    lambda_function: bool = False
    given_parameters: set[str] | None = None
    defaults: set[str] = field(default_factory=set)


def dockerfile_binaries() -> set[str]:
    text = (ROOT / "Dockerfile").read_text()
    return set(re.findall(r"--bin\s+([A-Za-z0-9_-]+)", text))


def job_definitions(ts: list[Template]) -> dict[str, tuple[Template, str, dict]]:
    """JobDefinitionName (resolved) -> (template, logical id, resolved properties)."""
    found = {}
    for t in ts:
        for lid, res in t.resources("AWS::Batch::JobDefinition"):
            props = t.resolve(res.get("Properties", {}))
            name = props.get("JobDefinitionName") or f"<unnamed:{lid}>"
            found[name] = (t, lid, props)
    return found


def container_env(props: dict) -> dict[str, str]:
    cp = props.get("ContainerProperties", {})
    env = {e["Name"]: "environment" for e in cp.get("Environment", [])}
    env.update({s["Name"]: "secret" for s in cp.get("Secrets", [])})
    return env


def submissions(ts: list[Template], defs: dict, report: Report) -> list[Invocation]:
    """Job submissions made by state machines and schedules, with their overrides applied."""
    found: list[Invocation] = []

    def add(where: str, params: dict) -> None:
        name = params.get("JobDefinition")
        if name not in defs:
            report.fail(f"{where}: submits job definition {name!r}, which no template defines "
                        f"(defined: {', '.join(sorted(defs))})")
            return
        _, _, props = defs[name]
        argv = list(props["ContainerProperties"].get("Command", []))
        env = container_env(props)
        overrides = params.get("ContainerOverrides", {}) or {}
        if "Command" in overrides:
            argv = list(overrides["Command"])
        for e in overrides.get("Environment", []):
            env[e["Name"]] = "override"
        inv = Invocation(f"{where} -> {name}", argv, env)
        inv.given_parameters = set((params.get("Parameters") or {}).keys())
        inv.defaults = set((props.get("Parameters") or {}).keys())
        if "ArrayProperties" in params:
            inv.env.setdefault("AWS_BATCH_JOB_ARRAY_INDEX", "set by Batch in array children")
        found.append(inv)

    for t in ts:
        for lid, res in t.resources("AWS::StepFunctions::StateMachine"):
            props = res.get("Properties", {})
            subs = {k: str(t.resolve(v)) for k, v in (props.get("DefinitionSubstitutions") or {}).items()}
            definition = props.get("Definition")
            if definition is None:
                report.fail(f"{t.name} {lid}: use Definition (an object) so that it can be checked")
                continue
            text = json.dumps(definition)
            text = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: subs.get(m.group(1), m.group(0)), text)
            for state_name, state in _states(json.loads(text)):
                if "batch:submitJob" in str(state.get("Resource", "")):
                    params = {k.removesuffix(".$"): v for k, v in state.get("Parameters", {}).items()}
                    if "Parameters" in params:
                        params["Parameters"] = {k.removesuffix(".$"): v
                                                for k, v in params["Parameters"].items()}
                    if "ContainerOverrides" in params:
                        co = params["ContainerOverrides"]
                        co["Environment"] = [{"Name": e["Name"]} for e in co.get("Environment", [])]
                    add(f"{t.name} {lid} state {state_name}", params)
        for lid, res in t.resources("AWS::Scheduler::Schedule"):
            target = t.resolve(res["Properties"]["Target"])
            if str(target.get("Arn", "")).endswith("aws-sdk:batch:submitJob"):
                add(f"{t.name} {lid}", json.loads(target.get("Input", "{}")))
    return found


def _states(definition: dict):
    for name, state in (definition.get("States") or {}).items():
        yield name, state
        for branch in state.get("Branches", []) or []:
            yield from _states(branch)
        if "Iterator" in state:
            yield from _states(state["Iterator"])
        if "ItemProcessor" in state:
            yield from _states(state["ItemProcessor"])


def check_command(inv: Invocation, built: set[str], report: Report) -> None:
    argv = [str(a) for a in inv.argv]
    if not argv:
        report.fail(f"{inv.where}: no command (the image has no entrypoint; give the full command)")
        return
    binary = argv[0]
    if binary not in built:
        report.fail(f"{inv.where}: `{binary}` is not a binary the Dockerfile builds ({', '.join(sorted(built))})")
        return
    levels = binaries.cli(binary)
    path, i = [binary], 1
    while i < len(argv) and argv[i] in levels[tuple(path)].subcommands:
        path.append(argv[i])
        i += 1
    level = levels[tuple(path)]
    shown = " ".join(argv)
    problems = []
    if level.subcommands:
        problems.append(f"`{' '.join(path)}` needs a subcommand ({', '.join(level.subcommands)})")
    rest, positionals = argv[i:], list(level.positionals)
    while rest:
        tok = rest.pop(0)
        if tok.startswith("-"):
            name, eq, _ = tok.partition("=")
            if name not in level.options:
                problems.append(f"`{' '.join(path)}` has no option {name}")
            elif level.options[name] and not eq:
                if not rest:
                    problems.append(f"{name} needs a value")
                else:
                    rest.pop(0)
            elif not level.options[name] and eq:
                problems.append(f"{name} takes no value")
        elif positionals:
            positionals.pop(0)
        else:
            problems.append(f"`{' '.join(path)}` takes no argument {tok!r}")
    placeholders = set(re.findall(r"Ref::([A-Za-z0-9_]+)", shown))
    if inv.given_parameters is not None:
        missing = placeholders - inv.given_parameters - inv.defaults
        if missing:
            problems.append(f"Batch parameters {sorted(missing)} used by the command are not given")
        unused = inv.given_parameters - placeholders
        if unused:
            problems.append(f"Batch parameters {sorted(unused)} are given but the command has no Ref:: for them")
    if problems:
        report.fail(f"{inv.where}: `{shown}`: " + "; ".join(problems))
    else:
        report.ok(f"{inv.where}: `{shown}` is a real command of `{' '.join(path)}`")

    accepted = {v: f"[env] of `{' '.join(path)}`" for v in level.env}
    for v, f in binaries.source_env(binary).items():
        accepted.setdefault(v, f"read in {f}")
    for v in binaries.AWS_SDK_ENV:
        accepted.setdefault(v, "AWS SDK")
    for v in binaries.TRACING_ENV:
        accepted.setdefault(v, "tracing EnvFilter")
    bad, good = [], []
    for var, origin in sorted(inv.env.items()):
        if var in accepted:
            good.append(f"{var} ({accepted[var]})")
        elif inv.lambda_function and LAMBDA_ADAPTER_ENV.match(var):
            good.append(f"{var} (Lambda Web Adapter)")
        elif var == "AWS_BATCH_JOB_ARRAY_INDEX" and origin.startswith("set by Batch"):
            continue
        else:
            bad.append(f"{var} ({origin})")
    if bad:
        report.fail(f"{inv.where}: variables `{' '.join(path)}` does not read: {', '.join(bad)}")
    if good:
        report.ok(f"{inv.where}: variables read: {', '.join(good)}")


def check_array_submissions(invs: list[Invocation], report: Report) -> None:
    for inv in invs:
        if "AWS_BATCH_JOB_ARRAY_INDEX" not in inv.env:
            continue
        # The children of one array job must share one run and know their number.
        need = {"MATCH_SHARD_COUNT", "MATCH_RUN_ID"}
        missing = need - set(inv.env)
        if missing:
            report.fail(f"{inv.where}: array job without {sorted(missing)}")
        else:
            report.ok(f"{inv.where}: array job sets {', '.join(sorted(need))} for every child")


def check_retry_and_timeout(defs: dict, report: Report) -> None:
    for name, (t, lid, props) in sorted(defs.items()):
        where = f"{t.name} {lid}"
        timeout = (props.get("Timeout") or {}).get("AttemptDurationSeconds")
        retry = props.get("RetryStrategy") or {}
        rules = retry.get("EvaluateOnExit") or []
        problems = []
        if not timeout:
            problems.append("no Timeout.AttemptDurationSeconds")
        if int(retry.get("Attempts", 1)) < 2:
            problems.append("RetryStrategy.Attempts < 2: infrastructure failures are not retried")
        retried = [r for r in rules if r.get("Action", "").upper() == "RETRY"]
        if not any("Host EC2" in str(r.get("OnStatusReason", "")) for r in retried):
            problems.append('no RETRY on OnStatusReason "Host EC2*"')
        if any("OnExitCode" in r for r in retried):
            problems.append("a RETRY keyed on an exit code would repeat bad input")
        last = rules[-1] if rules else {}
        catch_all = any(last.get(k) == "*" for k in ("OnReason", "OnStatusReason", "OnExitCode"))
        if not (catch_all and last.get("Action", "").upper() == "EXIT"):
            problems.append('the last EvaluateOnExit entry must be a "*" EXIT (Batch retries anything unmatched)')
        if problems:
            report.fail(f"{where}: " + "; ".join(problems))
        else:
            report.ok(f"{where}: timeout {timeout} s; retries {len(retried)} infrastructure reasons "
                      f"up to {retry['Attempts']} attempts, exits on anything else")


def check_fargate(ts: list[Template], defs: dict, report: Report) -> None:
    for name, (t, lid, props) in sorted(defs.items()):
        if "FARGATE" not in (props.get("PlatformCapabilities") or []):
            continue
        req = {r["Type"]: r["Value"] for r in props["ContainerProperties"].get("ResourceRequirements", [])}
        try:
            vcpu, mib = float(req["VCPU"]), int(req["MEMORY"])
        except (KeyError, ValueError) as e:
            report.fail(f"{t.name} {lid}: VCPU/MEMORY not resolvable to numbers ({req}): {e}")
            continue
        vcpu = int(vcpu) if vcpu.is_integer() else vcpu
        ok, rule = fargate_allows(vcpu, mib)
        report.check(ok, f"{t.name} {lid}: {vcpu:g} vCPU / {mib} MiB ({rule})")


def main() -> int:
    report = Report()
    try:
        ts = templates()
        defs = job_definitions(ts)
        built = dockerfile_binaries()
        print(f"binaries built by the Dockerfile: {', '.join(sorted(built))}")
        for b in sorted(built):
            levels = binaries.cli(b)
            print(f"  {b}: commands " + ", ".join(" ".join(p[1:]) for p in sorted(levels) if len(p) > 1
                                                  and not levels[p].subcommands))
        invocations: list[Invocation] = []
        for name, (t, lid, props) in sorted(defs.items()):
            invocations.append(Invocation(f"{t.name} {lid}",
                                          list(props["ContainerProperties"].get("Command", [])),
                                          container_env(props)))
        invocations += submissions(ts, defs, report)
        for t in ts:
            for lid, res in t.resources("AWS::Lambda::Function"):
                props = t.resolve(res.get("Properties", {}))
                if props.get("PackageType") != "Image":
                    continue
                env = {k: "environment" for k in (props.get("Environment") or {}).get("Variables", {})}
                inv = Invocation(f"{t.name} {lid}", list((props.get("ImageConfig") or {}).get("Command", [])),
                                 env, lambda_function=True)
                invocations.append(inv)
        print("(a) commands and environment variables")
        for inv in invocations:
            check_command(inv, built, report)
        check_array_submissions(invocations, report)
        print("    retry strategy and timeout of each job definition")
        check_retry_and_timeout(defs, report)
        print("(b) Fargate vCPU / memory pairs")
        check_fargate(ts, defs, report)
    except CheckError as e:
        report.fail(str(e))
    return report.status("job definitions")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
