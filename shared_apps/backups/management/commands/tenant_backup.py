"""`manage.py tenant_backup <project> [--output PATH]`: back up one project (schema, data, files, metadata)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shared_apps.backups.cli import command_run, project_by_slug, size_text
from shared_apps.backups.models import BackupTrigger
from shared_apps.backups.services import backup_create, backup_write_to_path


class Command(BaseCommand):
    help = (
        "Back up one project into the backup storage (recorded, see tenant_backups), or into --output PATH "
        "(not recorded). Shows a progress bar on a terminal; exits non-zero with a message on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="slug of the project to back up")
        parser.add_argument("--output", type=Path, help="write the backup file here instead of the backup storage")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        output = Path(options["output"]) if options["output"] else None
        title = f"Backup of {project.slug}"
        with command_run(self.stdout, title, verbosity=options["verbosity"]) as progress:
            if output is not None:
                manifest = backup_write_to_path(project=project, output=output.resolve(), progress=progress)
                summary, where = manifest.summary(), str(output.resolve())
            else:
                backup = backup_create(project=project, trigger=BackupTrigger.CLI, progress=progress)
                summary, where = backup.summary, f"backup {backup.pk}: {backup.storage_key}"
        if options["verbosity"] > 0:
            self.stdout.write(
                f"{title}: {summary['tables']} tables, {summary['rows']} rows, {summary['media_files']} files "
                f"({size_text(summary['data_bytes'] + summary['media_bytes'])} raw) -> {where}"
            )
