"""The binaries run under exactly the permissions the templates grant, with IAM enforced.

Each role of deploy/api.yaml, batch.yaml and schedule.yaml is rendered for one deployment
(deploy/checks/roles.py), created in an S3 / Secrets Manager / IAM endpoint that enforces IAM
(moto_server.py: moto plus s3:prefix conditions, permissions boundaries and S3's 403-for-missing
rule), with the pipeline's permissions boundary attached where the template attaches it, and
assumed. Then the real binaries (target/debug/ingest-api and matcher) run with those
credentials only:

  api role         /readyz; direct, idempotent (repeated) and presigned uploads; a rejected
                   upload; an upload's state, and an unknown one (404); after the run, the
                   partner's list of uploads, an upload's state with counts and its results
  batch-match      `matcher run` (claim, plan, match, manifest, load), `matcher run` again
                   (nothing new), a re-match of the run, a sharded match with MATCH_RUN_ID and
                   one as an array job without it (shard 0 records the run id)
  batch-load       `matcher load --run-id` of both sharded runs
  weekly-sharded   what the state machine calls: the run plan, DescribeJobs
  batch-execution  the database secret

Every call must be allowed, and calls outside a role's job must be denied (checked with direct
SDK calls under the role's credentials). A self-test then removes s3:DeleteObject from the
match role and expects the matcher to fail naming the denied action.

Needs PG_ADMIN_URL (tests/with-services). Run: .venv/bin/python tests/iam/roles_test.py
IAM_TEST_REMOVE="<RoleLogicalId>:<action>" renders that role without the action (to watch the
test fail).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "checks"))
import roles as roles_module  # noqa: E402
from roles import ACCOUNT, REGION, SYSTEM  # noqa: E402

FIXTURES = ROOT / "fixtures"
passed: list[str] = []
failed: list[str] = []
RUNNING: list = []  # processes this test started, stopped at the end whatever happens


def ok(text: str) -> None:
    passed.append(text)
    print(f"  ok    {text}", flush=True)


def fail(text: str) -> None:
    failed.append(text)
    print(f"  FAIL  {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, probe, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


# --- the endpoint and what a deployment creates before the roles act ---------------------------

class Endpoint:
    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / "moto.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "moto_server.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("the IAM-enforcing endpoint", lambda: requests.get(f"{self.url}/moto-api/", timeout=2).ok)
        # Everything until enforce() is set-up, done as the account's administrator.
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf", timeout=5).raise_for_status()

    def client(self, service: str, creds: dict | None = None):
        creds = creds or {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}), **creds)

    def enforce(self) -> None:
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def render_roles(bucket: str, secrets: dict[str, str], remove: tuple[str, str] | None):
    deployment = roles_module.example(bucket, secrets["partners"], secrets["database"])
    roles = {r.logical_id: r for t in ("api.yaml", "batch.yaml", "schedule.yaml")
             for r in roles_module.load(t, deployment).roles()}
    boundaries = roles_module.load("pipeline.yaml", deployment).managed_policies()
    if remove:
        role_id, action = remove
        without(roles[role_id], action)
        print(f"  note  {role_id} rendered WITHOUT {action} (IAM_TEST_REMOVE)")
    return roles, boundaries


def without(role, action: str) -> None:
    for doc in role.policies.values():
        for st in doc["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            st["Action"] = [a for a in actions if a != action]
        doc["Statement"] = [st for st in doc["Statement"] if st["Action"]]


def create_role(ep: Endpoint, role: roles_module.Role, name: str | None = None) -> dict:
    """The role in the endpoint's IAM, assumed: credentials limited to exactly its policies."""
    iam, sts = ep.client("iam"), ep.client("sts")
    name = name or role.name
    args = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(role.trust)}
    if role.boundary_arn:
        args["PermissionsBoundary"] = role.boundary_arn
    iam.create_role(**args)
    for policy_name, doc in role.policies.items():
        iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="iam-test")["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def env_for(ep: Endpoint, creds: dict, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=ep.url, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_ACCESS_KEY_ID=creds["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=creds["aws_secret_access_key"],
               LOG_FORMAT="json", RUST_LOG="warn", **extra)
    if "aws_session_token" in creds:
        env["AWS_SESSION_TOKEN"] = creds["aws_session_token"]
    return env


def binaries() -> dict[str, Path]:
    subprocess.run(["cargo", "build", "--locked", "--quiet", "--bin", "ingest-api", "--bin", "matcher"],
                   cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return {b: target / "debug" / b for b in ("ingest-api", "matcher")}


# --- the data ------------------------------------------------------------------------------------

def csv_slice(partner: str, start: int, end: int) -> bytes:
    """Rows [start, end) of a partner's sample upload, with the header (small runs)."""
    with open(FIXTURES / "uploads" / partner / "postings.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *rows[1 + start:1 + end]])
    return out.getvalue().encode()


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


# --- running the binaries -------------------------------------------------------------------------

def run(what: str, cmd: list, env: dict, expect_ok: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=300)
    # A call denied on a path that only logs its failure (an upload's state record) must not
    # pass for an allowed one.
    swallowed = [line for line in out.stderr.splitlines() if "AccessDenied" in line]
    if out.returncode == 0 and expect_ok and swallowed:
        fail(f"{what}: exit 0 but a call was denied\n        " + "\n        ".join(swallowed[-3:]))
    elif (out.returncode == 0) == expect_ok:
        ok(what)
    else:
        denied = [line for line in out.stderr.splitlines() if "AccessDenied" in line or "denied" in line.lower()]
        fail(f"{what}: exit {out.returncode}\n        " + "\n        ".join((denied or out.stderr.splitlines())[-5:]))
    return out


def summary(out: subprocess.CompletedProcess) -> dict:
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def expect_sdk(what: str, call, allowed: bool, code: str | None = None) -> None:
    """A direct SDK call under a role's credentials, allowed or denied (AccessDenied)."""
    try:
        call()
        got = "allowed"
    except ClientError as e:
        got = e.response["Error"]["Code"]
        # moto answers JSON services' denials as an XML body botocore reads as code "403".
        if got == "403" and "AccessDenied" in e.response["Error"].get("Message", ""):
            got = "AccessDenied"
    want_ok = got == "allowed" or (code is not None and got == code)
    if allowed and want_ok:
        ok(f"{what}: {got}")
    elif not allowed and got in ("AccessDenied", "AccessDeniedException"):
        ok(f"{what}: denied")
    else:
        fail(f"{what}: {got}, expected {'allowed' if allowed else 'AccessDenied'}")


class Api:
    def __init__(self, exe: Path, env: dict, tmp: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / "api.log", "w")
        self.proc = subprocess.Popen([str(exe), "serve"], stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**env, "PORT": str(self.port), "BIND_ADDR": "127.0.0.1"})
        RUNNING.append(self)
        wait_for("ingest-api", lambda: requests.get(f"{self.base}/healthz", timeout=2).ok)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def api_scenario(api: Api, secrets: dict[str, str]) -> list[str]:
    """The partner flows; returns the ids of the accepted uploads."""
    http = requests.Session()
    r = http.get(f"{api.base}/readyz", timeout=30)
    (ok if r.status_code == 200 else fail)(f"api: GET /readyz -> {r.status_code} {r.text[:200] if r.status_code != 200 else ''}")
    tokens = {}
    for partner, secret in secrets.items():
        r = http.post(f"{api.base}/v1/oauth/token", auth=(partner, secret),
                      data={"grant_type": "client_credentials"}, timeout=30)
        r.raise_for_status()
        tokens[partner] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    ids = []

    def upload(what: str, partner: str, body: bytes, want: range = range(202, 203), key: str | None = None) -> dict:
        headers = {**tokens[partner], "Content-Type": "text/csv"}
        if key:
            headers["Idempotency-Key"] = key
        r = http.post(f"{api.base}/v1/postings", headers=headers, data=body, timeout=60)
        good = r.status_code in want
        (ok if good else fail)(f"api: {what} -> {r.status_code} {'' if good else r.text[:300]}")
        return r.json() if r.headers.get("content-type", "").endswith("json") else {}

    first = upload("direct upload (POST /v1/postings)", "acme-jobs", csv_slice("acme-jobs", 0, 40))
    ids.append(first.get("upload_id"))
    once = upload("idempotent upload (Idempotency-Key)", "sakura-career", csv_slice("sakura-career", 0, 40), key="weekly-1")
    again = http.post(f"{api.base}/v1/postings", data=csv_slice("sakura-career", 0, 40), timeout=60,
                      headers={**tokens["sakura-career"], "Content-Type": "text/csv", "Idempotency-Key": "weekly-1"})
    same = again.ok and again.json().get("upload_id") == once.get("upload_id")
    (ok if same else fail)(f"api: the same Idempotency-Key again -> {again.status_code}, same upload: {same}")
    ids.append(once.get("upload_id"))
    upload("a rejected upload (not CSV) is answered, not a 5xx", "acme-jobs", b"\x00\x01 not a csv", want=range(400, 500))

    r = http.post(f"{api.base}/v1/uploads", headers=tokens["acme-jobs"], json={}, timeout=30)
    (ok if r.status_code == 201 else fail)(f"api: presigned upload (POST /v1/uploads) -> {r.status_code} {r.text[:200] if r.status_code != 201 else ''}")
    if r.status_code == 201:
        created = r.json()
        put = requests.put(created["upload_url"], data=csv_slice("acme-jobs", 40, 80), timeout=60)
        (ok if put.status_code == 200 else fail)(f"api: PUT to the presigned URL (signed by the API's role) -> {put.status_code}")
        done = http.post(f"{api.base}{created['complete_url']}", headers=tokens["acme-jobs"], timeout=60)
        (ok if done.status_code in (200, 201, 202) else fail)(f"api: POST {created['complete_url']} -> {done.status_code} {done.text[:200] if not done.ok else ''}")
        ids.append(created["upload_id"])
        state = http.get(f"{api.base}/v1/uploads/{created['upload_id']}", headers=tokens["acme-jobs"], timeout=30)
        (ok if state.ok else fail)(f"api: GET /v1/uploads/{{id}} -> {state.status_code} ({state.json().get('state') if state.ok else state.text[:200]})")
    unknown = uuid.uuid4().hex
    unknown = f"{unknown[:8]}-{unknown[8:12]}-7{unknown[13:16]}-{unknown[16:20]}-{unknown[20:]}"
    r = http.get(f"{api.base}/v1/uploads/{unknown}", headers=tokens["acme-jobs"], timeout=30)
    (ok if r.status_code == 404 else fail)(f"api: GET /v1/uploads/{{unknown id}} -> {r.status_code} (404: S3 said no such key, not 403)")
    return ids


def api_results_scenario(api: Api, secrets: dict[str, str], upload_id: str, bucket: str, s3_api) -> None:
    """After a run: what the partner reads of it (states/ and results/ only, never runs/)."""
    http = requests.Session()
    token = http.post(f"{api.base}/v1/oauth/token", auth=("acme-jobs", secrets["acme-jobs"]),
                      data={"grant_type": "client_credentials"}, timeout=30).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    r = http.get(f"{api.base}/v1/uploads?limit=1", headers=auth, timeout=30)
    (ok if r.ok else fail)(f"api: GET /v1/uploads (lists uploads/<partner>/) -> {r.status_code} {'' if r.ok else r.text[:200]}")
    r = http.get(f"{api.base}/v1/uploads/{upload_id}", headers=auth, timeout=30)
    counts = r.json().get("processing", {}).get("counts") if r.ok else None
    (ok if counts else fail)(f"api: GET /v1/uploads/{{id}} after the run (states/, results/) -> {r.status_code}, counts {counts}")
    r = http.get(f"{api.base}/v1/uploads/{upload_id}/results?include=matched", headers=auth, timeout=30)
    rows = r.text.count("\n") - 1 if r.ok else -1
    good = r.ok and counts is not None and rows == counts.get("rows")
    (ok if good else fail)(f"api: GET /v1/uploads/{{id}}/results?include=matched -> {r.status_code}, {rows} rows")
    expect_sdk("api role: GetObject of a run's file (every partner's rows)",
               lambda: s3_api.get_object(Bucket=bucket, Key=f"runs/{counts.get('run_id') if counts else 'x'}/matched.csv"), False)
    expect_sdk("api role: PutObject results/x (the matcher's prefix)", lambda: s3_api.put_object(Bucket=bucket, Key="results/x", Body=b"x"), False)
    expect_sdk("api role: PutObject states/x (the matcher's prefix)", lambda: s3_api.put_object(Bucket=bucket, Key="states/x.json", Body=b"x"), False)


def main() -> int:
    remove = None
    if os.environ.get("IAM_TEST_REMOVE"):
        role_id, _, action = os.environ["IAM_TEST_REMOVE"].partition(":")
        remove = (role_id, action)
    admin_url = os.environ.get("PG_ADMIN_URL")
    if not admin_url:
        print("PG_ADMIN_URL is not set: run under tests/with-services")
        return 1
    exe = binaries()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ep = Endpoint(tmp)
        db_name = f"{os.environ.get('TEST_DB_PREFIX', 'iam_test')}_iam_{uuid.uuid4().hex[:8]}"
        base_url = admin_url.rsplit("/", 1)[0]
        database_url = f"{base_url}/{db_name}"
        try:
            psql(admin_url, f'CREATE DATABASE "{db_name}"')
            scenario(ep, exe, tmp, database_url, remove)
        finally:
            for proc in reversed(RUNNING):
                proc.stop()
            ep.stop()
            psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            if failed:
                for log in ("api.log", "moto.log"):
                    path = tmp / log
                    if path.exists():
                        print(f"--- last lines of {log}:\n" + "\n".join(path.read_text().splitlines()[-15:]))
    print(f"iam: {len(passed)} passed, {len(failed)} failed ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


def scenario(ep: Endpoint, exe: dict, tmp: Path, database_url: str, remove) -> None:
    bucket = f"{SYSTEM}-data-{ACCOUNT}-{REGION}"
    admin = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
    ep.client("s3").create_bucket(Bucket=bucket)
    sm = ep.client("secretsmanager")
    secrets = {
        "partners": sm.create_secret(Name=f"{SYSTEM}/partners", SecretString='{"signing_keys":[],"partners":{}}')["ARN"],
        "database": sm.create_secret(Name=f"{SYSTEM}/database", SecretString=json.dumps({"url": database_url}))["ARN"],
    }
    roles, boundaries = render_roles(bucket, secrets, remove)
    iam = ep.client("iam")
    for name, doc in boundaries.items():
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))
    creds = {lid: create_role(ep, roles[lid]) for lid in
             ("FunctionRole", "MatchJobRole", "LoadJobRole", "ExecutionRole", "StateMachineRole")}
    broken = copy.deepcopy(roles["MatchJobRole"])
    without(broken, "s3:DeleteObject")
    creds["broken"] = create_role(ep, broken, name=f"{SYSTEM}-batch-match-without-delete")
    # Operators' one-off set-up, as in deploy/README.md: a signing key, two partners, companies.
    operator = env_for(ep, admin, PARTNERS_SECRET_ID=secrets["partners"], STORE_URL=f"s3://{bucket}")
    subprocess.run([exe["ingest-api"], "keys", "rotate"], env=operator, check=True, capture_output=True)
    partner_secrets = {}
    for partner in ("acme-jobs", "sakura-career"):
        out = subprocess.run([exe["ingest-api"], "partners", "add", "--id", partner], env=operator,
                             check=True, capture_output=True, text=True).stdout
        partner_secrets[partner] = next(l.split("=", 1)[1] for l in out.splitlines() if l.startswith("client_secret="))
    subprocess.run([exe["matcher"], "import-companies", "--csv", FIXTURES / "companies.csv", "--database-url", database_url],
                   env=operator, check=True, capture_output=True)
    ep.enforce()
    print(f"  note  IAM enforced; roles: {', '.join(r.name for r in roles.values())}")

    # --- the API ---
    api = Api(exe["ingest-api"], env_for(ep, creds["FunctionRole"], STORE_URL=f"s3://{bucket}",
                                         PARTNERS_SECRET_ID=secrets["partners"]), tmp)
    upload_ids = api_scenario(api, partner_secrets)
    s3_api = ep.client("s3", creds["FunctionRole"])
    expect_sdk("api role: PutObject runs/x (the matcher's prefix)", lambda: s3_api.put_object(Bucket=bucket, Key="runs/x", Body=b"x"), False)
    expect_sdk("api role: PutObject consumed/x", lambda: s3_api.put_object(Bucket=bucket, Key="consumed/x.json", Body=b"x"), False)
    expect_sdk("api role: GetSecretValue of the database secret", lambda: ep.client("secretsmanager", creds["FunctionRole"]).get_secret_value(SecretId=secrets["database"]), False)

    # --- the weekly job, unsharded: `matcher run` under the match role ---
    store = f"s3://{bucket}"
    match_env = env_for(ep, creds["MatchJobRole"], STORE_URL=store, DATABASE_URL=database_url)
    out = run("batch-match: matcher run (claim, plan, match, manifest, load)", [exe["matcher"], "run"], match_env)
    first = summary(out).get("run_id") or (summary(out).get("match") or {}).get("run_id")
    run("batch-match: matcher run again (nothing new; unfinished runs looked for)", [exe["matcher"], "run"], match_env)
    if first:
        run(f"batch-match: matcher match --run-id {first} (re-match: the manifest is replaced)",
            [exe["matcher"], "match", "--run-id", first], match_env)
    else:
        fail(f"batch-match: no run id in matcher run's summary: {out.stdout[-300:]}")
    if upload_ids and upload_ids[0]:
        api_results_scenario(api, partner_secrets, upload_ids[0], bucket, s3_api)
    s3_match = ep.client("s3", creds["MatchJobRole"])
    expect_sdk("batch-match role: PutObject incoming/x (the API's prefix)", lambda: s3_match.put_object(Bucket=bucket, Key="incoming/acme-jobs/x.csv", Body=b"x"), False)
    expect_sdk("batch-match role: DeleteObject of an upload", lambda: s3_match.delete_object(Bucket=bucket, Key="incoming/acme-jobs/x.csv"), False)
    expect_sdk("batch-match role: PutObject uploads/x", lambda: s3_match.put_object(Bucket=bucket, Key="uploads/acme-jobs/x.json", Body=b"x"), False)

    # --- sharded, with MATCH_RUN_ID (the state machine's way), then the load job ---
    http = requests.Session()
    load_env = env_for(ep, creds["LoadJobRole"], STORE_URL=store, DATABASE_URL=database_url)

    def more_uploads(partner: str, start: int, end: int) -> None:
        token = http.post(f"{api.base}/v1/oauth/token", auth=(partner, partner_secrets[partner]),
                          data={"grant_type": "client_credentials"}, timeout=30).json()["access_token"]
        r = http.post(f"{api.base}/v1/postings", data=csv_slice(partner, start, end), timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        r.raise_for_status()

    more_uploads("sakura-career", 40, 80)
    sharded = new_run_id()
    for i in range(2):
        run(f"batch-match: shard {i}/2 with MATCH_RUN_ID={sharded}", [exe["matcher"], "match"],
            {**match_env, "MATCH_RUN_ID": sharded, "AWS_BATCH_JOB_ARRAY_INDEX": str(i), "MATCH_SHARD_COUNT": "2",
             "AWS_BATCH_JOB_ID": f"{uuid.uuid4()}:{i}"})
    run(f"batch-load: matcher load --run-id {sharded} (sharded run)", [exe["matcher"], "load", "--run-id", sharded], load_env)

    # --- sharded as a plain array job (no MATCH_RUN_ID): shard 0 records the run id ---
    more_uploads("acme-jobs", 80, 120)
    parent = str(uuid.uuid4())
    array_run = None
    for i in range(2):
        out = run(f"batch-match: array job {parent[:8]}…:{i} without MATCH_RUN_ID (batch-jobs/<parent>.json)",
                  [exe["matcher"], "match"],
                  {**match_env, "AWS_BATCH_JOB_ARRAY_INDEX": str(i), "MATCH_SHARD_COUNT": "2", "AWS_BATCH_JOB_ID": f"{parent}:{i}"})
        array_run = array_run or summary(out).get("run_id")
    if array_run:
        run(f"batch-load: matcher load --run-id {array_run} (array job's run)", [exe["matcher"], "load", "--run-id", array_run], load_env)
    else:
        fail("batch-match: the array job's shard 0 reported no run id")
    s3_load = ep.client("s3", creds["LoadJobRole"])
    expect_sdk("batch-load role: PutObject runs/x", lambda: s3_load.put_object(Bucket=bucket, Key=f"runs/{sharded}/x", Body=b"x"), False)
    expect_sdk("batch-load role: GetObject of an upload", lambda: s3_load.get_object(Bucket=bucket, Key="incoming/x"), False)

    # --- what the state machine and the execution role call ---
    s3_sfn = ep.client("s3", creds["StateMachineRole"])
    expect_sdk(f"weekly-sharded role: GetObject runs/{sharded}/inputs.json (ReadPlan)",
               lambda: s3_sfn.get_object(Bucket=bucket, Key=f"runs/{sharded}/inputs.json"), True)
    expect_sdk("weekly-sharded role: GetObject of a run without inputs.json -> NoSuchKey (ReadPlan's Catch)",
               lambda: s3_sfn.get_object(Bucket=bucket, Key=f"runs/{new_run_id()}/inputs.json"), True, code="NoSuchKey")
    expect_sdk("weekly-sharded role: GetObject of a run's matched.csv", lambda: s3_sfn.get_object(Bucket=bucket, Key=f"runs/{sharded}/shards/0-of-2/matched.csv"), False)
    expect_sdk("weekly-sharded role: batch:DescribeJobs (the .sync wait)",
               lambda: ep.client("batch", creds["StateMachineRole"]).describe_jobs(jobs=[str(uuid.uuid4())]), True)
    sm_exec = ep.client("secretsmanager", creds["ExecutionRole"])
    expect_sdk("batch-execution role: GetSecretValue of the database secret (DATABASE_URL)",
               lambda: sm_exec.get_secret_value(SecretId=secrets["database"]), True)
    expect_sdk("batch-execution role: GetSecretValue of the partners secret", lambda: sm_exec.get_secret_value(SecretId=secrets["partners"]), False)

    # --- self-test: the same re-match under the match role without s3:DeleteObject ---
    if first:
        out = subprocess.run([str(exe["matcher"]), "match", "--run-id", first], capture_output=True, text=True, timeout=300,
                             env=env_for(ep, creds["broken"], STORE_URL=store, DATABASE_URL=database_url))
        named = [line for line in out.stderr.splitlines() if "DeleteObject" in line and "AccessDenied" in line]
        if out.returncode != 0 and named:
            ok("self-test: without s3:DeleteObject the re-match fails, naming it: " + named[-1][:300])
        else:
            fail(f"self-test: without s3:DeleteObject the re-match exited {out.returncode}: {out.stderr[-500:]}")


if __name__ == "__main__":
    sys.exit(main())
