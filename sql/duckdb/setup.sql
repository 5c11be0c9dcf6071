-- chatsift's Parquet output as one view, `messages`, for the queries beside this file.
-- Set the dataset first (a folder written with `messages --to parquet-dataset`, or one
-- file written with `--to parquet`):
--   SET VARIABLE dataset = 'out/ds/**/*.parquet';
-- Hive partitioning adds `format` and `month` from the folder names. Only what the
-- queries need is assumed; `union_by_name` lets files of a grown schema sit together.
CREATE OR REPLACE VIEW messages AS
SELECT * FROM read_parquet(getvariable('dataset'), hive_partitioning = true, union_by_name = true);

-- The lexicon's topics in its order, from the files' key-value metadata
-- (`chatsift.topics`: a JSON array of {"id", "label"}).
CREATE OR REPLACE VIEW lexicon AS
WITH meta AS (
    SELECT from_json(decode(value), '["json"]') AS topics
    FROM parquet_kv_metadata(getvariable('dataset'))
    WHERE decode(key) = 'chatsift.topics'
    LIMIT 1
)
SELECT generate_subscripts(topics, 1) AS position,
       json_extract_string(unnest(topics), '$.id') AS id,
       json_extract_string(unnest(topics), '$.label') AS label
FROM meta;
