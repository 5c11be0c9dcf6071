-- `chatsift topics --by week`: for every week (from Monday, local) with messages and every
-- topic of the lexicon, the messages mentioning it, all messages of the week, and the rate
-- per 1,000 with two decimals.
WITH m AS (
    SELECT date_trunc('week', CAST(substr(local_time, 1, 10) AS DATE)) AS bucket, topics
    FROM messages
    WHERE kind <> 'system'
),
totals AS (
    SELECT bucket, count(*) AS total FROM m GROUP BY bucket
),
hits AS (
    SELECT bucket, topic, count(*) AS n
    FROM (SELECT bucket, unnest(topics) AS topic FROM m)
    GROUP BY bucket, topic
)
SELECT strftime(t.bucket, '%Y-%m-%d')                      AS bucket,
       l.id                                                AS topic,
       l.label                                             AS label,
       coalesce(h.n, 0)                                    AS messages,
       t.total                                             AS total,
       printf('%.2f', coalesce(h.n, 0) * 1000.0 / t.total) AS per_1000
FROM totals t
CROSS JOIN lexicon l
LEFT JOIN hits h ON h.bucket = t.bucket AND h.topic = l.id
ORDER BY t.bucket, l.position;
