-- chatsift's Parquet output as one view, `messages`, for the queries beside this file.
-- Set the dataset first (a folder written with `messages --to parquet-dataset`, or one
-- file written with `--to parquet`), e.g. in spark-sql:
--   SET chatsift.dataset=/data/out/ds;
-- Spark adds `format` and `month` from the folder names.
CREATE OR REPLACE TEMPORARY VIEW messages
USING parquet
OPTIONS (path '${chatsift.dataset}');
-- The topic queries also need a view `lexicon (position INT, id STRING, label STRING)`: the
-- lexicon's topics in order, which every file carries as JSON in its key-value metadata
-- (`chatsift.topics`). Spark SQL cannot read a file footer; scripts/sql_check.py shows how
-- to read it through Spark's Parquet library and register the view.
