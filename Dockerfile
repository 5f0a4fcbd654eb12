# The fleet controller as a container: stateless, so any number of replicas can run on one
# PostgreSQL behind a proxy (compose.yaml; README "Running replicas behind a proxy").
#
#   docker build -t e-station-controller .
#
# Only what the controller needs is copied and installed: the shared packages (pii, wire)
# and controller/, with the `controller` extra pinned by requirements.lock. No kiosk, Kivy
# or driver code or dependency ends up in the image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY pii/ pii/
COPY wire/ wire/
COPY controller/ controller/
RUN pip install -c requirements.lock ".[controller]" && rm -rf /src

# A user of its own, no login, no shell; the only folder it may write is its data folder,
# which holds nothing that must survive the container (see ESTATION_DATA_DIR below).
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/estation \
        --shell /usr/sbin/nologin estation \
    && install -d -o estation -g estation -m 0700 /var/lib/estation
USER estation
WORKDIR /var/lib/estation

# Everything else comes from the environment (controller/settings.py): ESTATION_DB_URL,
# ESTATION_ENROLLMENT_TOKEN, ESTATION_SEALING_KEY_FILE, ESTATION_METRICS_TOKEN, ...
ENV ESTATION_DATA_DIR=/var/lib/estation
EXPOSE 8700

# /healthz: the process answers and reaches its database. No curl in a slim image: Python.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8700/healthz', timeout=4)"]

# Migrations run at every start (controller/db.py), under an advisory lock, so replicas
# starting together upgrade the schema once. uvicorn trusts X-Forwarded-For/-Proto only
# from the addresses in FORWARDED_ALLOW_IPS (compose.yaml sets the proxy's).
ENTRYPOINT ["python", "-m", "controller"]
CMD ["--host", "0.0.0.0", "--port", "8700"]
