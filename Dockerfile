# One image, both binaries:
#   ingest-api  -- the partner upload API (Lambda through the Lambda Web Adapter, or any container
#                  runtime: `ingest-api serve` listens on $PORT)
#   matcher     -- the batch job (AWS Batch overrides the command: `matcher run`, `matcher match`,
#                  `matcher load --run-id R`, ...)
#
# Stages: chef (cargo-chef installed once) -> planner (dependency recipe from the manifests only)
# -> builder (dependencies compiled in their own layer, then our sources) -> runtime (slim).
# Base images are pinned by tag; bump them together with rust-version in Cargo.toml. They come
# from ECR Public's mirror of the Docker official images (the same images): CodeBuild pulls
# anonymously, and Docker Hub's anonymous pull limit is shared by every build host behind
# the same address.

ARG RUST_IMAGE=public.ecr.aws/docker/library/rust:1.95-slim-trixie
ARG RUNTIME_IMAGE=public.ecr.aws/docker/library/debian:trixie-slim
ARG LAMBDA_ADAPTER_IMAGE=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1

# The adapter is a static binary; taking it from its public image pins it by the image's tag.
FROM ${LAMBDA_ADAPTER_IMAGE} AS lambda-adapter

FROM ${RUST_IMAGE} AS chef
WORKDIR /src
RUN cargo install cargo-chef --locked --version 0.1.78

FROM chef AS planner
COPY . .
# recipe.json changes only when a manifest or the lock file changes, so the dependency layer
# below is rebuilt only then, not on every source edit.
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin matcher --bin ingest-api
COPY . .
RUN cargo build --release --locked --bin matcher --bin ingest-api \
    && install -D -m 0755 target/release/matcher /out/matcher \
    && install -D -m 0755 target/release/ingest-api /out/ingest-api

FROM ${RUNTIME_IMAGE} AS runtime
# CA certificates: the AWS SDK's TLS stack verifies S3 / Secrets Manager against the system
# roots. Not pinned to a package version on purpose: the image tag pins the Debian release and
# its security updates should flow in on every build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --create-home --shell /usr/sbin/nologin app
COPY --from=builder /out/matcher /out/ingest-api /usr/local/bin/
# The CA bundle of Amazon RDS / Aurora (every region, published by AWS), so that the matcher
# verifies the database server (sslmode=verify-full) instead of only encrypting.
ADD --chmod=0644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# Lambda starts every file in /opt/extensions as an extension; outside Lambda the adapter is inert.
COPY --from=lambda-adapter /lambda-adapter /opt/extensions/lambda-adapter
WORKDIR /app
# The adapter forwards Lambda events to http://127.0.0.1:$PORT once GET /healthz answers.
# PGSSLROOTCERT: the roots sqlx verifies the database against when the URL does not name any
# (DATABASE_URL=postgres://...?sslmode=verify-full).
ENV PORT=8080 \
    PGSSLROOTCERT=/etc/ssl/certs/rds-global-bundle.pem \
    AWS_LWA_PORT=8080 \
    AWS_LWA_READINESS_CHECK_PATH=/healthz \
    LOG_FORMAT=json \
    RUST_LOG=info
USER 10001:10001
EXPOSE 8080
# No ENTRYPOINT: Lambda's ImageConfig and Batch's job definitions give the full command.
CMD ["ingest-api", "serve"]
