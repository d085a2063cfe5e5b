"""gunicorn settings for every web start (compose/scripts/web.sh, compose/scripts/local-stack.sh):
`gunicorn -c python:nocode.gunicorn_conf ...`; command-line flags still override these.

- Logs: gunicorn's own lines (boot, worker timeouts) go through the app's log config, so they are JSON lines too
  when LOG_FORMAT=json (the default under production settings). Django writes the per-request access line, so
  gunicorn's access log stays off.
- Metrics: with PROMETHEUS_MULTIPROC_DIR set, a dead worker's live gauges are dropped (its slot's files are reused by
  the next worker; see shared_apps/observability/multiproc.py).
- Shutdown: on SIGTERM the master stops accepting, lets running requests finish for `graceful_timeout` seconds,
  then kills what is left.
"""

import os
from typing import Any

from shared_apps.observability.logs import logging_config

_production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
_log_format = os.environ.get("LOG_FORMAT") or ("json" if _production else "plain")

logconfig_dict = logging_config(log_format=_log_format, level=os.environ.get("LOG_LEVEL", "INFO"))
logconfig_dict["loggers"]["gunicorn.error"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
accesslog = None
graceful_timeout = 30
timeout = 60


def child_exit(server: Any, worker: Any) -> None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import multiprocess

    from shared_apps.observability.multiproc import slot_of_pid

    slot = slot_of_pid(worker.pid)
    if slot is not None:
        multiprocess.mark_process_dead(slot)
