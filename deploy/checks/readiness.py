"""The Lambda Web Adapter's readiness check answers.

The adapter passes no request to the function until GET <AWS_LWA_READINESS_CHECK_PATH> on
127.0.0.1:<PORT> succeeds, so a wrong path means a function that never serves. This starts the
API's Lambda command (from api.yaml's ImageConfig) with the port and path the image and the
function set, on the embedded defaults in a temporary directory, and expects a 2xx from that
path within a few seconds. Loopback only; the process is stopped afterwards.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import binaries  # noqa: E402
from cfn import ROOT, CheckError, templates  # noqa: E402
from report import run_check  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    docker_env = dict(re.findall(r"\b(PORT|AWS_LWA_[A-Z_]+)=(\S+)", (ROOT / "Dockerfile").read_text()))
    function = None
    for t in templates():
        for lid, res in t.resources("AWS::Lambda::Function"):
            function = (t, lid, t.resolve(res["Properties"]))
    if function is None:
        print("  FAIL  no Lambda function in the templates")
        return 1
    t, lid, props = function
    env = {**docker_env, **(props.get("Environment") or {}).get("Variables", {})}
    path = env.get("AWS_LWA_READINESS_CHECK_PATH", "/")
    command = (props.get("ImageConfig") or {}).get("Command") or []
    if not command:
        print(f"  FAIL  {t.name} {lid}: no ImageConfig.Command")
        return 1
    exe = binaries.built((command[0],))[command[0]]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        run_env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "PORT": str(port),
                   "BIND_ADDR": "127.0.0.1", "LOG_FORMAT": "json", "RUST_LOG": "warn",
                   "STORE_URL": str(Path(tmp) / "store"), "PARTNERS_FILE": str(Path(tmp) / "partners.json")}
        proc = subprocess.Popen([str(exe), *command[1:]], cwd=tmp, env=run_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        status, error = None, ""
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                        status = r.status
                        break
                except urllib.error.HTTPError as e:
                    status = e.code
                    break
                except OSError as e:
                    error = str(e)
                    time.sleep(0.2)
        finally:
            proc.terminate()
            try:
                _, stderr = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, stderr = proc.communicate()
    shown = f"`{' '.join(command)}` on PORT {port}: GET {path}"
    if status is not None and 200 <= status < 300:
        print(f"  ok    {shown} -> {status} (the adapter's readiness check, set in the image and {t.name})")
        print("readiness: 1 passed, 0 failed")
        return 0
    print(f"  FAIL  {shown} -> {status or 'no answer'} {error}\n        stderr: {stderr.strip()[-800:]}")
    print("readiness: 0 passed, 1 failed")
    return 1


if __name__ == "__main__":
    run_check(main, CheckError)
