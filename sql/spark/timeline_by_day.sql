-- `chatsift timeline --by day`: one row per person and local day, in the zone the dataset
-- was written with (its `local_time` column). System rows do not count.
SELECT person,
       substr(local_time, 1, 10)     AS bucket,
       count(*)                      AS messages,
       sum(char_length(body))        AS characters,
       count(DISTINCT conversation)  AS conversations,
       min_by(local_time, time)      AS first,
       max_by(local_time, time)      AS last
FROM messages
WHERE kind <> 'system'
GROUP BY person, substr(local_time, 1, 10)
ORDER BY person, bucket;
