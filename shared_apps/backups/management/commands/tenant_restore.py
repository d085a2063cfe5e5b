"""`manage.py tenant_restore PATH (--as NEW_SLUG | --replace)`: restore a backup file, all or nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shared_apps.backups.cli import command_run
from shared_apps.backups.services import backup_file, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup file (or a recorded backup id) into a new project (--as NEW_SLUG: new schema and domain) "
        "or in place of the project it came from (--replace: loaded beside it, verified, then swapped). "
        "Checksums and the format version are verified; a failure leaves nothing behind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="backup file, or the id of a recorded backup (see tenant_backups)")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--as", dest="new_slug", metavar="NEW_SLUG", help="restore into a new project")
        mode.add_argument("--replace", action="store_true", help="replace the backup's own project")

    def handle(self, *args: Any, **options: Any) -> None:
        title = "Restore" if options["replace"] else f"Restore as {options['new_slug']}"
        with (
            command_run(self.stdout, title, verbosity=options["verbosity"]) as progress,
            backup_file(reference=options["path"]) as path,
        ):
            result = backup_restore(
                path=path, new_slug=options["new_slug"], replace=options["replace"], progress=progress
            )
        if options["verbosity"] > 0:
            project = result.project
            self.stdout.write(f"{title}: project {project.slug} (schema {project.schema_name}) is ready.")
            if result.skipped_members:
                self.stdout.write(f"Members without an account here, not added: {', '.join(result.skipped_members)}")
