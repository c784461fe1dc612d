# The worker image used by docker-compose.kafka.yml. One image, N replicas.
FROM python:3.11-slim
WORKDIR /srv/lineage-integrator
COPY pyproject.toml README.md ./
COPY app ./app
COPY agents ./agents
COPY schemas ./schemas
RUN pip install --no-cache-dir .
ENV LINEAGE_DATA_DIR=/var/lib/lineage-integrator \
    LINEAGE_WEB_PORT=6066
EXPOSE 6066
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:6066/ready').status == 200 else 1)"
CMD ["lineage-integrator", "worker"]
