# Stimulans: the Slack bot (Socket Mode or HTTP) and the reminder clock, in one slim, non-root image.
#   docker build -t stimulans .
#   docker run --env-file .env stimulans                      # Socket Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN)
#   docker run --env-file .env -p 3000:3000 stimulans serve --http
#   docker run --env-file .env stimulans remind --loop 15 --dm
# No secret is baked in: tokens and the Google key come from the environment at run time (see .env.example,
# docs/deploy.md). The health check works in both modes (`stimulans healthcheck`).

# Another registry or mirror: docker build --build-arg PYTHON_IMAGE=<registry>/python:3.12-slim-bookworm .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY engine ./engine
COPY sheets ./sheets
COPY config ./config
RUN python -m venv /opt/stimulans \
    && /opt/stimulans/bin/pip install --no-cache-dir ".[all]"

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/stimulans/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STIMULANS_DATA_DIR=/data \
    STIMULANS_HEARTBEAT_FILE=/tmp/stimulans-heartbeat \
    XDG_RUNTIME_DIR=/tmp \
    PORT=3000
RUN groupadd --system --gid 10001 stimulans \
    && useradd --system --uid 10001 --gid stimulans --home-dir /app --shell /usr/sbin/nologin stimulans \
    && mkdir -p /app /data \
    && chown stimulans:stimulans /app /data
COPY --from=build /opt/stimulans /opt/stimulans
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
# Socket Mode: the heartbeat file `serve` keeps fresh while connected; HTTP: GET /healthz on $PORT.
# (`|| exit 1`: Docker reserves exit code 2, which the CLI uses for a configuration error.)
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["sh", "-c", "stimulans healthcheck || exit 1"]
ENTRYPOINT ["stimulans"]
CMD ["serve"]
