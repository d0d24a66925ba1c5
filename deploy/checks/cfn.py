"""Reading the CloudFormation templates the way the checks need them.

Templates are parsed with cfn-lint's decoder (it understands the short-form tags !Ref, !Sub,
!GetAtt, ...), and values are resolved as far as a template alone allows: a parameter to its
Default, a pseudo parameter or an import to a readable placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from cfnlint.decode import decode

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent


class CheckError(Exception):
    pass


@dataclass
class Template:
    path: Path
    body: dict

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def parameters(self) -> dict:
        return self.body.get("Parameters", {}) or {}

    def resources(self, kind: str | None = None) -> Iterator[tuple[str, dict]]:
        for logical_id, resource in (self.body.get("Resources", {}) or {}).items():
            if kind is None or resource.get("Type") == kind:
                yield logical_id, resource

    def resolve(self, value: Any, extra: dict[str, str] | None = None) -> Any:
        """A value with intrinsic functions replaced where the template alone decides them."""
        return _resolve(self, value, extra or {})


def templates() -> list[Template]:
    found = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        body, matches = decode(str(path))
        if body is None:
            raise CheckError(f"{path}: cannot be parsed: {[str(m) for m in matches]}")
        found.append(Template(path, body))
    if not found:
        raise CheckError(f"no templates under {DEPLOY}")
    return found


_PSEUDO = {
    "AWS::Region": "ap-northeast-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "stack",
    "AWS::URLSuffix": "amazonaws.com",
}


def _ref(t: Template, name: str, extra: dict[str, str]) -> Any:
    if name in extra:
        return extra[name]
    if name in _PSEUDO:
        return _PSEUDO[name]
    if name in t.parameters:
        p = t.parameters[name]
        if "Default" in p:
            return p["Default"]
        return f"<param:{name}>"
    if name in (t.body.get("Resources") or {}):
        return f"<ref:{name}>"
    raise CheckError(f"{t.name}: !Ref to unknown {name}")


def _sub(t: Template, text: str, extra: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        key = m.group(1)
        if key.startswith("!"):
            return "${" + key[1:] + "}"
        if "." in key and key.split(".")[0] in (t.body.get("Resources") or {}):
            return f"<getatt:{key}>"
        return str(_ref(t, key, extra))

    return re.sub(r"\$\{([^}]+)\}", one, text)


def _resolve(t: Template, v: Any, extra: dict[str, str]) -> Any:
    if isinstance(v, list):
        return [_resolve(t, x, extra) for x in v]
    if not isinstance(v, dict):
        return v
    if len(v) == 1:
        (fn, arg), = v.items()
        if fn == "Ref":
            return _ref(t, arg, extra)
        if fn == "Fn::Sub":
            if isinstance(arg, list):
                text, variables = arg
                local = dict(extra)
                for k, val in variables.items():
                    local[k] = str(_resolve(t, val, extra))
                return _sub(t, text, local)
            return _sub(t, arg, extra)
        if fn == "Fn::ImportValue":
            return f"<import:{_resolve(t, arg, extra)}>"
        if fn == "Fn::GetAtt":
            target = arg if isinstance(arg, str) else ".".join(arg)
            return f"<getatt:{target}>"
        if fn == "Fn::Join":
            sep, items = arg
            items = _resolve(t, items, extra)
            return sep.join(str(i) for i in items) if isinstance(items, list) else f"<join:{items}>"
        if fn == "Fn::If":
            # Both branches are possible; the checks look at the "true" one.
            return _resolve(t, arg[1], extra)
    return {k: _resolve(t, x, extra) for k, x in v.items()}

