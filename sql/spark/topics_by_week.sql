-- `chatsift topics --by week`: every week (from Monday, local) with messages × every topic of
-- the lexicon: messages mentioning it, all messages, and the rate per 1,000 (two decimals,
-- ties to even as chatsift rounds).
WITH m AS (
    SELECT date_format(date_trunc('WEEK', to_date(substr(local_time, 1, 10))), 'yyyy-MM-dd') AS bucket,
           topics
    FROM messages
    WHERE kind <> 'system'
),
totals AS (
    SELECT bucket, count(*) AS total FROM m GROUP BY bucket
),
hits AS (
    SELECT bucket, topic, count(*) AS n
    FROM (SELECT bucket, explode(topics) AS topic FROM m) x
    GROUP BY bucket, topic
)
SELECT t.bucket                                                         AS bucket,
       l.id                                                             AS topic,
       l.label                                                          AS label,
       coalesce(h.n, 0)                                                 AS messages,
       t.total                                                          AS total,
       CAST(bround(coalesce(h.n, 0) * 1000.0 / t.total, 2) AS DECIMAL(38, 2)) AS per_1000
FROM totals t
CROSS JOIN lexicon l
LEFT JOIN hits h ON h.bucket = t.bucket AND h.topic = l.id
ORDER BY t.bucket, l.position;
