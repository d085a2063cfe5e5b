"""`manage.py up` and `manage.py test`: the local stack, outside Django.

Django settings read DATABASE_URL/REDIS_URL at import time, so the servers must be chosen (and, when the URLs are
unset, started: embedded PostgreSQL and Redis) before Django is imported. See docs/local-development.md.
"""
