"""The IAM roles of deploy/*.yaml, rendered the way CloudFormation would for one deployment.

The templates are read with PyYAML (the short-form intrinsics !Ref, !Sub, !GetAtt, !Join,
!ImportValue, !If, ... become their long forms) and every value a role's policy uses is
resolved: parameters to the values a deployment passes (or the template's default), pseudo
parameters to the account and region, imports to the other stacks' exports (the real bucket and
secret ARNs of the test's endpoint), and references to this template's resources to the names
and ARNs CloudFormation would give them. Anything that cannot be resolved is an error, not a
guess: a policy the test renders is the policy AWS would get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[1]


class RenderError(Exception):
    pass


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(tag: str):
    name = "Ref" if tag == "Ref" else ("Condition" if tag == "Condition" else f"Fn::{tag}")

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ["Ref", "Sub", "GetAtt", "Join", "ImportValue", "If", "Not", "Equals", "And", "Or",
             "Condition", "Select", "Split", "FindInMap", "Base64", "GetAZs", "Cidr"]:
    _Loader.add_constructor(f"!{_tag}", _intrinsic(_tag))


@dataclass
class Deployment:
    """What one deployment passes: parameter values per template, the other stacks' exports."""

    account: str
    region: str
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)


@dataclass
class Role:
    template: str
    logical_id: str
    name: str
    trust: dict
    policies: dict[str, dict]
    boundary_arn: str | None
    managed_policy_arns: list[str]

    def statements(self) -> list[dict]:
        return [s for doc in self.policies.values() for s in doc["Statement"]]


# Resource type -> (the property holding the name CloudFormation gives it, and the form of the
# ARN its !Ref returns; None where !Ref returns the name itself).
_REF: dict[str, tuple[str, str | None]] = {
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "arn:aws:iam::{account}:policy/{name}"),
    "AWS::IAM::Role": ("RoleName", None),
    "AWS::Logs::LogGroup": ("LogGroupName", None),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "arn:aws:states:{region}:{account}:stateMachine:{name}"),
    "AWS::Batch::JobQueue": ("JobQueueName", "arn:aws:batch:{region}:{account}:job-queue/{name}"),
    "AWS::ECR::Repository": ("RepositoryName", None),
    "AWS::S3::Bucket": ("BucketName", None),
    "AWS::CodeBuild::Project": ("Name", None),
}


class Template:
    def __init__(self, path: Path, deployment: Deployment):
        self.path = path
        self.body = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader)
        self.deployment = deployment
        self.params = deployment.parameters.get(path.name, {})

    @property
    def resources(self) -> dict:
        return self.body.get("Resources") or {}

    def _parameter(self, name: str) -> Any:
        spec = (self.body.get("Parameters") or {})[name]
        if name in self.params:
            value = self.params[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise RenderError(f"{self.path.name}: parameter {name} has no default and no value")
        if str(spec.get("Type", "")).startswith("List<") or spec.get("Type") == "CommaDelimitedList":
            return value if isinstance(value, list) else str(value).split(",")
        return str(value)

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": self.deployment.account,
            "AWS::Region": self.deployment.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": f"stack-{self.path.stem}",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in (self.body.get("Parameters") or {}):
            return self._parameter(name)
        if name in self.resources:
            return self._resource_ref(name)
        raise RenderError(f"{self.path.name}: !Ref to unknown {name}")

    def _resource_ref(self, logical_id: str) -> str:
        res = self.resources[logical_id]
        kind, props = res["Type"], res.get("Properties") or {}
        if kind in _REF:
            prop, arn = _REF[kind]
            name = self.resolve(props[prop])
            if arn is None:
                return name
            return arn.format(account=self.deployment.account, region=self.deployment.region, name=name)
        # Only names appear in the policies the test renders; anything else is named after
        # its logical id, which is what a reader of the rendered policy needs.
        return f"{self.path.stem}-{logical_id}"

    def get_att(self, logical_id: str, attribute: str) -> str:
        res = self.resources.get(logical_id)
        if res is None:
            raise RenderError(f"{self.path.name}: !GetAtt of unknown {logical_id}")
        kind = res["Type"]
        a, r = self.deployment.account, self.deployment.region
        name = self._resource_ref(logical_id)
        if attribute == "Arn":
            arns = {
                "AWS::IAM::Role": f"arn:aws:iam::{a}:role/{name}",
                "AWS::Logs::LogGroup": f"arn:aws:logs:{r}:{a}:log-group:{name}:*",
                "AWS::ECR::Repository": f"arn:aws:ecr:{r}:{a}:repository/{name}",
                "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
                "AWS::StepFunctions::StateMachine": name,
                "AWS::CodeBuild::Project": f"arn:aws:codebuild:{r}:{a}:project/{name}",
            }
            if kind in arns:
                return arns[kind]
        return f"arn:aws:{self.path.stem}:{logical_id}.{attribute}"

    def condition(self, name: str) -> bool:
        return bool(self.resolve((self.body.get("Conditions") or {})[name]))

    def resolve(self, v: Any) -> Any:
        if isinstance(v, list):
            return [x for x in (self.resolve(i) for i in v) if x is not None]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                local = {k: self.resolve(x) for k, x in variables.items()}
                return self._sub(text, local)
            if fn == "Fn::ImportValue":
                name = self.resolve(arg)
                if name not in self.deployment.exports:
                    raise RenderError(f"{self.path.name}: import {name} is not among the exports given")
                return self.deployment.exports[name]
            if fn == "Fn::GetAtt":
                return self.get_att(*arg)
            if fn == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if fn == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if fn == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if fn == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if fn == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if fn == "Fn::Not":
                return not self.resolve(arg[0])
            if fn == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if fn == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if fn == "Condition":
                return self.condition(arg)
            if fn.startswith("Fn::"):
                raise RenderError(f"{self.path.name}: {fn} is not rendered")
        return {k: self.resolve(x) for k, x in v.items()}

    def _sub(self, text: str, local: dict) -> str:
        def one(m: re.Match) -> str:
            key = m.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            if key in local:
                return str(local[key])
            if "." in key and key.split(".")[0] in self.resources:
                return self.get_att(*key.split(".", 1))
            return str(self.ref(key))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def roles(self) -> list[Role]:
        found = []
        for lid, res in self.resources.items():
            if res.get("Type") != "AWS::IAM::Role":
                continue
            props = self.resolve(res.get("Properties") or {})
            found.append(Role(
                template=self.path.name,
                logical_id=lid,
                name=props["RoleName"],
                trust=props["AssumeRolePolicyDocument"],
                policies={p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])},
                boundary_arn=props.get("PermissionsBoundary"),
                managed_policy_arns=props.get("ManagedPolicyArns", []),
            ))
        return found

    def managed_policies(self) -> dict[str, dict]:
        """Name -> document of every AWS::IAM::ManagedPolicy."""
        out = {}
        for lid, res in self.resources.items():
            if res.get("Type") == "AWS::IAM::ManagedPolicy":
                props = self.resolve(res["Properties"])
                out[props["ManagedPolicyName"]] = props["PolicyDocument"]
        return out


def load(name: str, deployment: Deployment) -> Template:
    return Template(DEPLOY / name, deployment)


ACCOUNT, REGION, SYSTEM = "123456789012", "us-east-1", "postings"


def example(bucket: str | None = None, partners_secret: str | None = None,
            database_secret: str | None = None) -> Deployment:
    """One deployment as deploy/README.md describes it: the parameters the pipeline and the
    operator pass, and the exports of the stacks deployed before (with the given bucket and
    secret ARNs, e.g. a test endpoint's)."""
    bucket = bucket or f"{SYSTEM}-data-{ACCOUNT}-{REGION}"
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{SYSTEM}"
    exports = {
        f"{SYSTEM}-BucketArn": f"arn:aws:s3:::{bucket}",
        f"{SYSTEM}-BucketName": bucket,
        f"{SYSTEM}-AccessLogBucketName": f"{SYSTEM}-access-logs-{ACCOUNT}-{REGION}",
        f"{SYSTEM}-PartnersSecretArn": partners_secret or f"{secret}/partners-AbCdEf",
        f"{SYSTEM}-DatabaseSecretArn": database_secret or f"{secret}/database-AbCdEf",
        f"{SYSTEM}-SpotQueueArn": f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{SYSTEM}-spot",
        f"{SYSTEM}-OnDemandQueueArn": f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{SYSTEM}-ondemand",
        f"{SYSTEM}-RoleBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/{SYSTEM}-role-boundary",
        f"{SYSTEM}-ShardedRunStateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SYSTEM}-weekly-sharded",
        f"{SYSTEM}-ApiId": "a1b2c3d4e5",
        f"{SYSTEM}-ApiFunctionName": f"{SYSTEM}-api",
    }
    network = {"VpcId": "vpc-0a1b2c3d", "SubnetIds": "subnet-0a1b2c3d,subnet-1a2b3c4d",
               "DatabaseCidr": "10.20.0.0/16"}
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{SYSTEM}:0123456789abcdef0123456789abcdef01234567"
    return Deployment(ACCOUNT, REGION, {
        "api.yaml": {"SystemName": SYSTEM, "ImageUri": image},
        "batch.yaml": {"SystemName": SYSTEM, "ImageUri": image, **network},
        "schedule.yaml": {"SystemName": SYSTEM, "Mode": "sharded"},
        "pipeline.yaml": {"SystemName": SYSTEM, "FullRepositoryId": "our-org/postings",
                          "ConnectionArn": f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
                          **network},
        "network.yaml": {"SystemName": SYSTEM, "VpcId": "vpc-0a1b2c3d", "VpcCidr": "10.20.0.0/16",
                         "SubnetIds": "subnet-0a1b2c3d,subnet-1a2b3c4d", "RouteTableIds": "rtb-0a1b2c3d"},
    }, exports)


def all_policies(deployment: Deployment) -> list[tuple[Template, str, str, dict]]:
    """(template, resource logical id, policy name, document) of every identity policy the
    templates define: each role's inline policies and each managed policy."""
    out = []
    for path in sorted(DEPLOY.glob("*.yaml")):
        t = Template(path, deployment)
        for role in t.roles():
            for name, doc in role.policies.items():
                out.append((t, role.logical_id, name, doc))
        for lid, res in t.resources.items():
            if res.get("Type") == "AWS::IAM::ManagedPolicy":
                props = t.resolve(res["Properties"])
                out.append((t, lid, props["ManagedPolicyName"], props["PolicyDocument"]))
    return out
