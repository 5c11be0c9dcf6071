-- `chatsift graph`'s edges: a direct message is an edge from its person to the recipient's
-- person (`recipient_person`, after the alias file); a message to a channel counts once
-- towards every other person who wrote in that channel. Sorted by source, target, channel.
WITH m AS (
    SELECT * FROM messages WHERE kind <> 'system'
),
direct AS (
    SELECT person AS source, recipient_person AS target, NULL::VARCHAR AS channel,
           count(*) AS messages,
           arg_min(local_time, time) AS first, arg_max(local_time, time) AS last
    FROM m
    WHERE coalesce(recipient_person, '') <> ''
    GROUP BY person, recipient_person
),
room AS (
    SELECT channel, person, count(*) AS n,
           arg_min(local_time, time) AS first, arg_max(local_time, time) AS last
    FROM m
    WHERE coalesce(recipient_person, '') = '' AND coalesce(channel, '') <> ''
    GROUP BY channel, person
)
SELECT * FROM direct
UNION ALL
SELECT a.person, b.person, a.channel, a.n, a.first, a.last
FROM room a JOIN room b ON a.channel = b.channel AND a.person <> b.person
ORDER BY source, target, channel NULLS FIRST;
