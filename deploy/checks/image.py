"""The Dockerfile against the workspace (there is no Docker engine here to build it).

- every `--bin` the Dockerfile builds is a binary target of the workspace, and the runtime
  stage copies each one it builds;
- Cargo.lock is current (`cargo metadata --locked`), so the image's `--locked` build resolves;
- base images are pinned by tag (no `latest`, no bare name), the Rust image is at least the
  workspace's rust-version;
- the runtime runs as a numeric non-root user, has CA certificates, and carries the Lambda
  Web Adapter with its readiness check on /healthz.
The binaries themselves are built with the same `cargo build --locked --bin ...` (dev
profile) by the job-definition check, which runs them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import binaries  # noqa: E402
from cfn import ROOT, CheckError  # noqa: E402
from report import Report  # noqa: E402


def main() -> int:
    report = Report()
    ok, fail = report.ok, report.fail

    text = (ROOT / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG\s+([A-Z_]+)=(\S+)", text, re.M))
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I)
    stages = {alias for _, alias in froms if alias}
    for image, alias in froms:
        resolved = re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        if resolved in stages:
            continue
        # A name without a registry host ("rust:1.95", "library/debian") is pulled from Docker
        # Hub, anonymously on CodeBuild, where a shared pull limit makes builds fail at random.
        first = resolved.split("/", 1)[0]
        if "/" not in resolved or not ("." in first or ":" in first):
            fail(f"stage {alias or '(unnamed)'}: base image {resolved} comes from Docker Hub; "
                 "use its ECR Public mirror (public.ecr.aws/docker/library/...)")
        tag = resolved.rsplit("/", 1)[-1].partition(":")[2]
        if "@sha256:" in resolved or (tag and tag != "latest" and "$" not in resolved):
            ok(f"stage {alias or '(unnamed)'}: base image {resolved} is pinned")
        else:
            fail(f"stage {alias or '(unnamed)'}: base image {resolved} is not pinned by tag")

    try:
        targets = binaries.bin_targets()
        ok("Cargo.lock is current (cargo metadata --locked)")
        rust_version = next((p.get("rust_version") for p in binaries.metadata()["packages"]
                             if p.get("rust_version")), None)
    except CheckError as e:
        fail(str(e))
        targets, rust_version = {}, None

    built = sorted(set(re.findall(r"--bin\s+([A-Za-z0-9_-]+)", text)))
    if not built:
        fail("the Dockerfile builds no --bin")
    for b in built:
        if b not in targets:
            fail(f"--bin {b}: no such binary in the workspace ({', '.join(sorted(targets))})")
        elif not re.search(rf"COPY --from=builder .*/{re.escape(b)}\b", text):
            fail(f"--bin {b} is built but the runtime stage does not copy it")
        else:
            ok(f"--bin {b} (package {targets[b]['name']}) is built --release --locked and copied into the runtime image")
    if not re.search(r"cargo build --release --locked", text):
        fail("the final build is not `cargo build --release --locked`")

    rust_image = args.get("RUST_IMAGE", "")
    m = re.search(r"rust:(\d+)\.(\d+)", rust_image)
    if rust_version and m:
        want = tuple(int(x) for x in rust_version.split(".")[:2])
        have = (int(m.group(1)), int(m.group(2)))
        report.check(have >= want,
                     f"Rust image {'.'.join(map(str, have))} vs workspace rust-version {rust_version}")

    if re.search(r"cargo chef cook", text) and text.index("cargo chef cook") < text.index("COPY . .\nRUN cargo build"):
        ok("dependencies are compiled in their own layer (cargo chef cook) before the sources are copied")
    else:
        fail("no separate dependency layer before the sources are copied")

    runtime = text[text.rindex("\nFROM "):]
    user = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    if user and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user[-1]) and not user[-1].startswith("0"):
        ok(f"runtime user {user[-1]} (numeric, not root)")
    else:
        fail(f"runtime USER is {user[-1] if user else 'unset (root)'}; use a numeric non-root uid")
    checks = [
        ("ca-certificates" in runtime, "CA certificates installed in the runtime image"),
        (re.search(r"COPY --from=lambda-adapter /lambda-adapter /opt/extensions/", runtime) is not None,
         "Lambda Web Adapter copied to /opt/extensions"),
        (re.search(r"AWS_LWA_READINESS_CHECK_PATH=/healthz", runtime) is not None,
         "adapter readiness check on /healthz"),
        (re.search(r"aws-lambda-adapter:\d+\.\d+\.\d+", text) is not None,
         "adapter image pinned to a release"),
        (re.search(r"^ADD .*rds-global-bundle\.pem", runtime, re.M) is not None
         and re.search(r"PGSSLROOTCERT=/etc/ssl/certs/rds-global-bundle\.pem", runtime) is not None,
         "RDS CA bundle in the runtime image and PGSSLROOTCERT pointing at it (sslmode=verify-full)"),
    ]
    for good, what in checks:
        report.check(good, what)

    # The slim runtime installs nothing but CA certificates: the binaries may link only to what
    # every Debian base has (glibc and libgcc), not e.g. libssl.
    base_libs = re.compile(r"^(linux-vdso|libc|libm|libgcc_s|libpthread|libdl|librt|ld-linux[^ ]*)\.so")
    if shutil.which("ldd") and built:
        try:
            exes = binaries.built(tuple(b for b in built if b in targets))
        except CheckError as e:
            fail(str(e))
            exes = {}
        for name, exe in sorted(exes.items()):
            out = subprocess.run(["ldd", str(exe)], capture_output=True, text=True).stdout
            libs = [line.split()[0] for line in out.splitlines() if line.strip()]
            extra = [lib for lib in libs if not base_libs.match(lib.rsplit("/", 1)[-1])]
            if extra:
                fail(f"{name} links {', '.join(extra)}, which the slim runtime image does not install")
            else:
                ok(f"{name} links only glibc / libgcc ({len(libs)} objects), all in the slim runtime image")

    return report.status("image")


if __name__ == "__main__":
    sys.exit(main())
