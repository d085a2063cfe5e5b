"""`manage.py tenant_clone <project> <new_slug>`: copy a project (schema, data, files, members) to a new one."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shared_apps.backups.cli import command_run, project_by_slug
from shared_apps.backups.services import project_clone


class Command(BaseCommand):
    help = "Clone a project into a new project (new schema and domain), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="slug of the project to copy")
        parser.add_argument("new_slug", help="slug of the new project")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        title = f"Clone of {project.slug} as {options['new_slug']}"
        with command_run(self.stdout, title, verbosity=options["verbosity"]) as progress:
            result = project_clone(project=project, new_slug=options["new_slug"], progress=progress)
        if options["verbosity"] > 0:
            self.stdout.write(f"{title}: project {result.project.slug} is ready.")
