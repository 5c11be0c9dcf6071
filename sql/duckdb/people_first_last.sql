-- `chatsift people`: each person's first and last message (in the dataset's zone), most
-- messages first, ties by name, as the people table orders them.
SELECT person,
       arg_min(local_time, time) AS first_seen,
       arg_max(local_time, time) AS last_seen
FROM messages
WHERE kind <> 'system'
GROUP BY person
ORDER BY count(*) DESC, person;
