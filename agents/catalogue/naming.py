"""PURE: how the cataloguer names what OpenLineage describes.

- A namespace is cleaned before it names anything: a URL's user information
  (`postgres://user:secret@db:5432`; not Azure's `abfss://{container}@{account}`, which the
  naming spec puts there) and query parameters that carry secrets
  (`?password=`, `X-Amz-Signature=`, `token=`...) are dropped, so credentials a producer
  leaked never reach the catalogue, the cohort or a log. A namespace with none is kept as
  it is, byte for byte (its guids do not move).
- A dataset's Egeria type fits its namespace's scheme (OpenLineage's naming spec): tables
  for databases and warehouses (`TableDataSet`), `KafkaTopic` for `kafka://`, files and
  folders (`DataFile`, `FileFolder` for a name ending in `/`) for object stores and file
  systems, else `DataSet`.
- Names are opaque: `/`, `..`, quotes and any Unicode are kept verbatim (a lone surrogate,
  which no UTF-8 text can hold, becomes U+FFFD).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from agents.catalogue.contribution import clean_text

TABLE_SCHEMES = frozenset(
    {
        "postgres", "postgresql", "mysql", "mariadb", "mssql", "sqlserver", "oracle", "db2", "redshift",
        "snowflake", "bigquery", "trino", "presto", "hive", "awsathena", "athena", "teradata", "spanner",
        "crate", "oceanbase", "azurekusto", "synapse", "databricks", "duckdb", "sqlite", "clickhouse",
        "vertica", "fabric-warehouse", "arn", "unitycatalog", "glue", "dremio", "impala", "greenplum",
        "cockroachdb", "singlestore", "starrocks", "doris", "exasol", "firebolt", "netezza", "sybase",
    }
)  # fmt: skip
FILE_SCHEMES = frozenset(
    {
        "s3",
        "s3a",
        "s3n",
        "gs",
        "gcs",
        "wasb",
        "wasbs",
        "abfs",
        "abfss",
        "adl",
        "hdfs",
        "dbfs",
        "file",
        "local",
    }
)
TOPIC_SCHEMES = frozenset({"kafka"})
CONTAINER_SCHEMES = frozenset({"wasb", "wasbs", "abfs", "abfss"})
"""Azure storage names a container before its account (`abfss://{container}@{account}...`):
there, what precedes `@` is a name, not credentials (unless it holds a `:` password)."""

_SECRET_PARAMETER = re.compile(
    r"pass|pwd|secret|token|credential|signature|auth|^sig$|(^|[-_.])(api|access|private|account)?[-_.]?key$",
    re.IGNORECASE,
)
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<authority>[^/?#]*)(?P<rest>.*)$", re.S)


def clean_namespace(namespace: str) -> str:
    """The namespace without credentials (user information, secret query parameters)."""
    namespace = clean_text(namespace)
    match = _URL.match(namespace)
    if match is None:
        return namespace
    scheme, authority, rest = match.group("scheme", "authority", "rest")
    user, at, host = authority.rpartition("@")
    if at and (":" in user or scheme_of(scheme) not in CONTAINER_SCHEMES):
        authority = host
    path, sep, query = rest.partition("?")
    if sep:
        query, hash_sep, fragment = query.partition("#")
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _SECRET_PARAMETER.search(k)]
        if len(kept) != len(pairs):
            cleaned = urlencode(kept)
            rest = path + (f"?{cleaned}" if cleaned else "") + hash_sep + fragment
    return scheme + authority + rest


def scheme_of(namespace: str) -> str:
    scheme = namespace.split("://", 1)[0] if "://" in namespace else namespace
    return scheme.lower().split("+", 1)[0]


def asset_type(namespace: str, name: str) -> str:
    """The Egeria DataSet type fitting a dataset's namespace (and, for files, its name)."""
    scheme = scheme_of(namespace)
    if scheme in TOPIC_SCHEMES:
        return "KafkaTopic"
    if scheme in FILE_SCHEMES:
        return "FileFolder" if name.endswith("/") else "DataFile"
    if scheme in TABLE_SCHEMES:
        return "TableDataSet"
    return "DataSet"
