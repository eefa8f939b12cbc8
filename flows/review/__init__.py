"""The review workbench (issue 22): a local web app where compliance decides held links, reads
disputed flags and follows an account's lineage.

It never holds the database: every page opens it read-only for one request, and decisions go to
a queue file next to it (skiptrace.matchers.review_decisions), which the next run's match stage
imports and applies. Modules: `store` (users, queue, access log: the sidecar files), `auth`
(passwords, sessions, CSRF), `pages` (read-only queries per page), `app` (the web routes),
`server` (uvicorn).
"""
