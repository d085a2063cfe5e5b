"""Which backups a retention policy keeps: the newest backup of each of the last N days that have one, and of each
of the last M ISO weeks that have one (grandfather-father-son, as restic's --keep-daily/--keep-weekly)."""

from collections.abc import Iterable
from datetime import UTC, datetime


def backups_to_keep(backups: Iterable[tuple[int, datetime]], *, keep_daily: int, keep_weekly: int) -> set[int]:
    """Ids to keep among `(id, created_at)` of ONE project's succeeded backups. Days and weeks are UTC."""
    newest_first = sorted(backups, key=lambda item: (item[1], item[0]), reverse=True)
    keep: set[int] = set()
    days: set[object] = set()
    weeks: set[object] = set()
    for backup_id, created_at in newest_first:
        moment = created_at.astimezone(UTC)
        day = moment.date()
        week = moment.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(backup_id)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(backup_id)
    return keep
