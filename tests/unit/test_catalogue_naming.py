"""How the cataloguer names datasets: namespaces cleaned of credentials (hand-made cases, after
OpenLineage's naming spec, https://openlineage.io/docs/spec/naming: `scheme://authority/...`)."""

from __future__ import annotations

import pytest

from agents.catalogue.naming import asset_type, clean_namespace


@pytest.mark.parametrize(
    ("namespace", "cleaned"),
    [
        ("postgres://user:secret@db:5432", "postgres://db:5432"),
        ("kafka://svc@broker:9092", "kafka://broker:9092"),
        ("snowflake://acct?warehouse=wh&password=x", "snowflake://acct?warehouse=wh"),
        ("s3://bucket?X-Amz-Signature=abc&X-Amz-Credential=k&versionId=3", "s3://bucket?versionId=3"),
        ("https://h/p?sig=abc&api_key=k&apikey=k&sv=1", "https://h/p?sv=1"),
        ("mssql://db:1433?token=t#frag", "mssql://db:1433#frag"),
        # Nothing to drop: kept byte for byte, odd spelling and all.
        ("postgres://db:5432?sslmode=require&keyspace=k", "postgres://db:5432?sslmode=require&keyspace=k"),
        ("bigquery", "bigquery"),
        ("file", "file"),
        ("user:pass@host", "user:pass@host"),
        # Azure storage: `{container}@{account}` is the naming spec's, not credentials.
        ("abfss://raw@lake.dfs.core.windows.net", "abfss://raw@lake.dfs.core.windows.net"),
        ("wasbs://key:secret@lake.blob.core.windows.net", "wasbs://lake.blob.core.windows.net"),
    ],
)
def test_credentials_are_dropped_and_nothing_else_changes(namespace: str, cleaned: str) -> None:
    assert clean_namespace(namespace) == cleaned


def test_a_lone_surrogate_in_a_namespace_is_replaced() -> None:
    assert clean_namespace("custom://a\ud800b") == "custom://a\ufffdb"


@pytest.mark.parametrize(
    ("namespace", "name", "type_name"),
    [
        ("duckdb:///tmp/shop.duckdb", "shop.main.t", "TableDataSet"),
        ("postgresql+psycopg://db", "x", "TableDataSet"),
        ("kafka://b:9092", "topic", "KafkaTopic"),
        ("abfss://c@acct.dfs.core.windows.net", "dir/", "FileFolder"),
        ("gs://bucket", "a/b.csv", "DataFile"),
        ("inmemory", "x", "DataSet"),
    ],
)
def test_the_asset_type_fits_the_namespace(namespace: str, name: str, type_name: str) -> None:
    assert asset_type(namespace, name) == type_name
