-- `chatsift graph`'s edges: direct messages from person to recipient person; a channel
-- message counts once towards every other person who wrote in the channel.
WITH m AS (
    SELECT * FROM messages WHERE kind <> 'system'
),
direct AS (
    SELECT person AS source, recipient_person AS target, CAST(NULL AS STRING) AS channel,
           count(*) AS messages,
           min_by(local_time, time) AS first, max_by(local_time, time) AS last
    FROM m
    WHERE coalesce(recipient_person, '') <> ''
    GROUP BY person, recipient_person
),
room AS (
    SELECT channel, person, count(*) AS n,
           min_by(local_time, time) AS first, max_by(local_time, time) AS last
    FROM m
    WHERE coalesce(recipient_person, '') = '' AND coalesce(channel, '') <> ''
    GROUP BY channel, person
)
SELECT * FROM direct
UNION ALL
SELECT a.person, b.person, a.channel, a.n, a.first, a.last
FROM room a JOIN room b ON a.channel = b.channel AND a.person <> b.person
ORDER BY source, target, channel NULLS FIRST;
