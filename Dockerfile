# syntax=docker/dockerfile:1
# Build stage: a virtual environment with qibot's dependencies.
FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install .

# Runtime stage: the venv plus the reviewed content, run as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 qibot
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
HEALTHCHECK --interval=60s --timeout=10s CMD ["qibot", "kb", "validate"]
ENTRYPOINT ["qibot"]
CMD ["run"]
