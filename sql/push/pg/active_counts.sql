-- What the target has in force before the push: active contacts, active flags, and active
-- suppression decisions that do something (a hold, a suppression, a routing; a `note` does
-- not). The push's shrink check compares what it would retire or lift with these.
SELECT (SELECT count(*) FROM skiptrace_contacts WHERE active),
       (SELECT count(*) FROM skiptrace_flags WHERE active),
       (SELECT count(*) FROM skiptrace_suppressions WHERE active AND action <> 'note');
