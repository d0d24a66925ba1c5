"""What the image's binaries actually accept, read from the binaries themselves.

The binaries are built with cargo (the same `--locked` build the Dockerfile runs, in the dev
profile) and asked for `--help` at every subcommand level; clap prints each option and, for
options read from the environment, an `[env: NAME=...]` marker. Variables the code reads
directly (`std::env::var("NAME")`, e.g. LOG_FORMAT in the logging set-up) are found in the
sources of the binary's package and of the workspace crates it depends on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cfn import ROOT, CheckError

# Read by the AWS SDK's default configuration chain (aws-config), which both binaries use.
AWS_SDK_ENV = {
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
}
# Read by tracing-subscriber's EnvFilter::try_from_default_env().
TRACING_ENV = {"RUST_LOG"}


@dataclass
class Level:
    """One command level: `matcher`, `matcher match`, `ingest-api partners add`, ..."""

    path: list[str]
    subcommands: list[str] = field(default_factory=list)
    # option name (--run-id) -> takes a value
    options: dict[str, bool] = field(default_factory=dict)
    env: set[str] = field(default_factory=set)
    positionals: list[str] = field(default_factory=list)


def cargo(*args: str) -> str:
    out = subprocess.run(["cargo", *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise CheckError(f"cargo {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


@cache
def metadata() -> dict:
    return json.loads(cargo("metadata", "--locked", "--format-version", "1", "--no-deps"))


def bin_targets() -> dict[str, dict]:
    """Binary name -> its package (from the workspace's manifests)."""
    found = {}
    for pkg in metadata()["packages"]:
        for target in pkg["targets"]:
            if "bin" in target["kind"]:
                found[target["name"]] = pkg
    return found


@cache
def built(names: tuple[str, ...]) -> dict[str, Path]:
    args = ["build", "--locked", "--quiet"]
    for n in names:
        args += ["--bin", n]
    cargo(*args)
    target = Path(metadata()["target_directory"]) / "debug"
    return {n: target / n for n in names}


def _help(exe: Path, path: list[str]) -> str:
    # A clean environment, so that markers and defaults are the binary's own.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "COLUMNS": "200", "NO_COLOR": "1"}
    out = subprocess.run([str(exe), *path[1:], "--help"], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise CheckError(f"`{' '.join(path)} --help` failed: {out.stderr.strip()[:500]}")
    return out.stdout


_SECTION = re.compile(r"^([A-Z][A-Za-z ]*):\s*$")
_OPTION = re.compile(r"^\s{2,}(?:-[A-Za-z0-9], )?(--[a-z0-9][a-z0-9-]*)(?:[ =]\[?<[^>]+>)?")
_ENV = re.compile(r"\[env: ([A-Z][A-Z0-9_]*)")


def parse_help(path: list[str], text: str) -> Level:
    level = Level(path)
    section = None
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            continue
        if line and not line[0].isspace():
            # Text at column 0 that is not a section header (about, after-help paragraphs):
            # whatever follows is prose, not a list of options.
            section = None
            continue
        if section == "Commands":
            m = re.match(r"^  ([a-z0-9][a-z0-9-]*)(\s|$)", line)
            if m and m.group(1) != "help":
                level.subcommands.append(m.group(1))
        elif section == "Arguments":
            m = re.match(r"^  (?:\[([A-Z0-9_]+)\]|<([^>]+)>)", line)
            if m:
                level.positionals.append(m.group(1) or m.group(2))
        elif section and "Options" in section:
            m = _OPTION.match(line)
            if m:
                level.options[m.group(1)] = "<" in line[m.start(1):m.end()]
            # Markers sit on the option's line (short help) or under it (long help).
            level.env.update(_ENV.findall(line))
    return level


@cache
def cli(binary: str) -> dict[tuple[str, ...], Level]:
    """Every command level of `binary`, keyed by its path."""
    exe = built((binary,))[binary]
    levels: dict[tuple[str, ...], Level] = {}
    todo = [[binary]]
    while todo:
        path = todo.pop()
        level = parse_help(path, _help(exe, path))
        levels[tuple(path)] = level
        todo.extend(path + [s] for s in level.subcommands)
    return levels


def source_env(binary: str) -> dict[str, str]:
    """NAME -> file, for variables read with std::env::var in the binary's workspace crates."""
    packages = {p["name"]: p for p in metadata()["packages"]}
    start = bin_targets()[binary]["name"]
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        for dep in packages[name]["dependencies"]:
            if dep.get("path") and dep.get("kind") in (None, "normal"):
                todo.append(dep["name"])
    found: dict[str, str] = {}
    pattern = re.compile(r"env::var(?:_os)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
    for name in sorted(seen):
        src = Path(packages[name]["manifest_path"]).parent / "src"
        for f in sorted(src.rglob("*.rs")):
            text = f.read_text(encoding="utf-8", errors="replace")
            # Test modules may read variables the binary never does.
            text = text.split("#[cfg(test)]")[0]
            for var in pattern.findall(text):
                found.setdefault(var, f.relative_to(ROOT).as_posix())
    return found
