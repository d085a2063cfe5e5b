from django.core.management import call_command

from devstack import cli
from shared_apps.accounts.models import User
from shared_apps.operations.management.commands import seed_demo
from shared_apps.organizations.models import Membership, Organization
from tenants.models import Project


def test_seed_demo_is_idempotent(db: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    user = User.objects.get(email=cli.DEMO_EMAIL)
    assert user.check_password(cli.DEMO_PASSWORD)
    assert user.name == "Demo"
    organization = Organization.objects.get(slug="demo-org")
    assert Membership.objects.get(organization=organization).user == user
    project = Project.objects.get(slug=cli.DEMO_PROJECT)
    assert project.organization == organization
    assert Project.objects.count() == 1


def test_cli_prints_the_seeded_credentials() -> None:
    assert (cli.DEMO_EMAIL, cli.DEMO_PASSWORD) == (seed_demo.DEMO_EMAIL, seed_demo.DEMO_PASSWORD)
    assert cli.DEMO_PROJECT == seed_demo.DEMO_PROJECT_SLUG
