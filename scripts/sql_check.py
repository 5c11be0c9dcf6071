#!/usr/bin/env python3
"""Runs the bundled SQL (sql/duckdb or sql/spark) over a chatsift Parquet dataset and
checks that every query gives, row for row, what chatsift's own CSVs say.

    sql_check.py duckdb|spark DATASET EXPECT_DIR

DATASET is a folder written by `chatsift messages --to parquet-dataset` (or one .parquet
file). EXPECT_DIR holds chatsift's tables over the same input, written with the same --tz:
timeline.csv (`timeline --by day`), topics.csv (`topics --by week`), people.csv (`people`)
and edges.csv (`graph`). chatsift guards CSV cells against spreadsheet formulas with a
leading `'`; that guard is undone before comparing. Exit status 0 when every query agrees,
1 with the first differing rows otherwise.
"""

import csv
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SQL = os.path.join(HERE, "..", "sql")

# query file -> (chatsift CSV, the CSV columns the query gives)
CHECKS = [
    ("timeline_by_day.sql", "timeline.csv", None),
    ("topics_by_week.sql", "topics.csv", None),
    ("people_first_last.sql", "people.csv", ["person", "first_seen", "last_seen"]),
    ("graph_edges.sql", "edges.csv", None),
]

FORMULA_LEADS = "=+-@\t\r"


def unguard(cell):
    """Undo chatsift's spreadsheet guard (a `'` before a formula lead or a `'`)."""
    if len(cell) >= 2 and cell[0] == "'" and (cell[1] in FORMULA_LEADS or cell[1] == "'"):
        return cell[1:]
    return cell


def expected(path, columns):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if columns is None:
        columns = header
    idx = [header.index(c) for c in columns]
    return columns, [[unguard(r[i]) for i in idx] for r in body]


def text(v):
    if v is None:
        return ""
    return str(v)


def statements(path):
    with open(path, encoding="utf-8") as f:
        sql = f.read()
    # Drop comment lines, split on `;` at line ends.
    lines = [l for l in sql.splitlines() if not l.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


def run_duckdb(dataset):
    import duckdb

    con = duckdb.connect()
    pattern = dataset
    if os.path.isdir(dataset):
        pattern = os.path.join(dataset, "**", "*.parquet")
    con.execute("SET VARIABLE dataset = ?", [pattern])
    for s in statements(os.path.join(SQL, "duckdb", "setup.sql")):
        con.execute(s.rstrip(";"))

    def query(name):
        (s,) = statements(os.path.join(SQL, "duckdb", name))
        return [[text(v) for v in row] for row in con.execute(s.rstrip(";")).fetchall()]

    return query


def run_spark(dataset):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("chatsift-sql-check")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("chatsift.dataset", os.path.abspath(dataset))
    for s in statements(os.path.join(SQL, "spark", "setup.sql")):
        spark.sql(s.rstrip(";"))
    # The lexicon's topics from a file's key-value metadata, read with Spark's own Parquet
    # library (Spark SQL has no function for the footer).
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    first = dataset
    if os.path.isdir(dataset):
        for root, _, files in sorted(os.walk(dataset)):
            parquet = sorted(f for f in files if f.endswith(".parquet"))
            if parquet:
                first = os.path.join(root, parquet[0])
                break
    hpath = jvm.org.apache.hadoop.fs.Path(os.path.abspath(first))
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
        jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(hpath, conf)
    )
    topics = reader.getFooter().getFileMetaData().getKeyValueMetaData().get("chatsift.topics")
    reader.close()
    import json

    lex = [(i + 1, t["id"], t["label"]) for i, t in enumerate(json.loads(topics or "[]"))]
    spark.createDataFrame(lex, "position INT, id STRING, label STRING").createOrReplaceTempView(
        "lexicon"
    )

    def query(name):
        (s,) = statements(os.path.join(SQL, "spark", name))
        return [[text(v) for v in row] for row in spark.sql(s.rstrip(";")).collect()]

    return query


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("duckdb", "spark"):
        print(__doc__, file=sys.stderr)
        return 2
    engine, dataset, expect_dir = sys.argv[1:]
    start = time.time()
    query = run_duckdb(dataset) if engine == "duckdb" else run_spark(dataset)
    failed = 0
    for sql, table, columns in CHECKS:
        cols, want = expected(os.path.join(expect_dir, table), columns)
        got = query(sql)
        if got == want:
            print(f"{engine}: {sql}: {len(got)} rows, equal to chatsift's {table}")
            continue
        failed += 1
        print(f"{engine}: {sql}: differs from chatsift's {table} ({len(got)} rows vs {len(want)})")
        shown = 0
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else None
            w = want[i] if i < len(want) else None
            if g != w:
                print(f"  row {i + 1}: sql      {g}")
                print(f"  row {i + 1}: chatsift {w}  ({', '.join(cols)})")
                shown += 1
                if shown == 5:
                    break
    print(f"{engine}: {len(CHECKS) - failed} of {len(CHECKS)} queries agree ({time.time() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
