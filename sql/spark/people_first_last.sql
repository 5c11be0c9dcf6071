-- `chatsift people`: each person's first and last message, most messages first, ties by name.
SELECT person,
       min_by(local_time, time) AS first_seen,
       max_by(local_time, time) AS last_seen
FROM messages
WHERE kind <> 'system'
GROUP BY person
ORDER BY count(*) DESC, person;
