-- `chatsift timeline --by day`: one row per person and local day.
-- Days, `first` and `last` are in the zone the dataset was written with (`--tz` of
-- `messages`; its `local_time` column and the `chatsift.zone` metadata), so write the
-- dataset with the zone you want days in. System rows (joins, notices) do not count, as
-- without `--include-system`.
SELECT person,
       substr(local_time, 1, 10)            AS bucket,
       count(*)                             AS messages,
       sum(length(body))                    AS characters,
       count(DISTINCT conversation)         AS conversations,
       arg_min(local_time, time)            AS first,
       arg_max(local_time, time)            AS last
FROM messages
WHERE kind <> 'system'
GROUP BY person, bucket
ORDER BY person, bucket;
