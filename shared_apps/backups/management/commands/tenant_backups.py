"""`manage.py tenant_backups [--project X] [--prune --keep-daily N --keep-weekly M [--dry-run]]`."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared_apps.backups.cli import command_run, size_text
from shared_apps.backups.models import Backup
from shared_apps.backups.selectors import backup_list
from shared_apps.backups.services import backup_prune


class Command(BaseCommand):
    help = "List recorded backups, newest first; with --prune, apply the retention policy (keep N daily, M weekly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="only this project's backups")
        parser.add_argument("--prune", action="store_true", help="delete backups the retention policy does not keep")
        parser.add_argument("--keep-daily", type=int, default=None, help="newest backup of each of the last N days")
        parser.add_argument("--keep-weekly", type=int, default=None, help="newest backup of each of the last M weeks")
        parser.add_argument("--dry-run", action="store_true", help="with --prune: only show what would be deleted")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["prune"]:
            if options["keep_daily"] is not None or options["keep_weekly"] is not None or options["dry_run"]:
                raise CommandError("--keep-daily, --keep-weekly and --dry-run go with --prune.")
            self._table(list(backup_list(project_slug=options["project"])))
            return
        keep_daily = options["keep_daily"]
        keep_weekly = options["keep_weekly"]
        with command_run(self.stdout, "Prune", verbosity=0):
            result = backup_prune(
                keep_daily=settings.NOCODE["BACKUP_KEEP_DAILY"] if keep_daily is None else keep_daily,
                keep_weekly=settings.NOCODE["BACKUP_KEEP_WEEKLY"] if keep_weekly is None else keep_weekly,
                project_slug=options["project"],
                dry_run=options["dry_run"],
            )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {len(result.deleted)} backups, kept {len(result.kept)}.")
        for backup in result.deleted:
            self.stdout.write(f"  {verb.lower()} {backup.pk} {backup.project_slug} {backup.created_at:%Y-%m-%d %H:%M}")
        if result.errors:
            raise CommandError("Some backups could not be deleted: " + "; ".join(result.errors))

    def _table(self, backups: list[Backup]) -> None:
        header = f"{'id':>6}  {'project':<20}  {'created (UTC)':<16}  {'status':<9}  {'trigger':<8}  "
        header += f"{'size':>9}  {'rows':>10}  file"
        self.stdout.write(header)
        for b in backups:
            rows = b.summary.get("rows", "-")
            self.stdout.write(
                f"{b.pk:>6}  {b.project_slug:<20}  {b.created_at:%Y-%m-%d %H:%M}  {b.status:<9}  {b.trigger:<8}  "
                f"{size_text(b.size_bytes):>9}  {rows:>10}  {b.storage_key or b.error[:60]}"
            )
