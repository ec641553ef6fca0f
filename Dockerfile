# syntax=docker/dockerfile:1
# Build stage: a virtual environment with qibot's dependencies.
FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install ".[postgres]"

# Runtime stage: the venv plus the reviewed content, run as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini git \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 10001 qibot
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY knowledge ./knowledge
COPY responses ./responses
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QIBOT_KNOWLEDGE_PATH=/app/knowledge \
    QIBOT_RESPONSES_PATH=/app/responses \
    QIBOT_DATA_DIR=/data
RUN mkdir -p /data && chown qibot:qibot /data /app/knowledge -R
USER qibot
VOLUME ["/data"]
# Healthy = a heartbeat from the last 100 s that saw the gateway connected and the database answering.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s CMD ["qibot", "health"]
# tini as PID 1 forwards SIGTERM; qibot then stops taking interactions, lets an in-flight edit finish,
# closes the database and exits 0 (`docker stop` no longer waits 10 s and kills it mid-write).
ENTRYPOINT ["tini", "--", "qibot"]
CMD ["run"]
