"""`sasaeai serve`: the same workflows as the CLI, from a local web page.

For staff who never open a terminal. The page is served on 127.0.0.1 only,
every URL carries a random token made at start, and every state-changing
request is a POST with a CSRF token.
"""
