# The worker image used by docker-compose.kafka.yml: one image, N replicas. It runs as a
# non-root user and has no embedded broker (the `embedded` extra is not installed): a
# container always names its Kafka in LINEAGE_BROKER.
FROM python:3.11-slim
WORKDIR /srv/lineage-integrator
COPY pyproject.toml README.md ./
COPY app ./app
COPY agents ./agents
COPY runtime ./runtime
COPY schemas ./schemas
RUN pip install --no-cache-dir . \
 && useradd --system --uid 10001 --home-dir /var/lib/lineage-integrator --shell /usr/sbin/nologin lineage \
 && mkdir -p /var/lib/lineage-integrator \
 && chown lineage:lineage /var/lib/lineage-integrator
COPY --chmod=0755 deploy/worker-entrypoint.sh /usr/local/bin/lineage-worker
USER lineage
ENV LINEAGE_DATA_DIR=/var/lib/lineage-integrator \
    LINEAGE_WEB_PORT=6066
EXPOSE 6066
# Ready, not just alive: partitions assigned and cohort registrations recorded. A worker is
# ready within seconds once Kafka answers (about 8 s in the tests); the 60 s start period
# (the README's) leaves room for Kafka to come up or a consumer group to settle.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os,sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ.get('LINEAGE_WEB_PORT', '6066'), timeout=4).status == 200 else 1)"
ENTRYPOINT ["lineage-worker"]
