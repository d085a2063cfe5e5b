"""Unique e-mail fields ignore case: give each existing one its unique index on lower(column), through the DDL
chokepoint. A table whose addresses already differ only in case keeps its case-sensitive constraint (the index
cannot be built; logged): the application check still refuses new case-variants, and making the values distinct
then toggling `unique` off and on adds the index."""

import logging
from typing import Any

from django.db import IntegrityError, migrations, transaction

logger = logging.getLogger(__name__)


def add_casefold_indexes(apps: Any, schema_editor: Any) -> None:
    from shared_apps.foundation.db import ddl
    from tenant_apps.data_schemas import naming

    field_model = apps.get_model("data_schemas", "Field")
    connection = schema_editor.connection
    for field in field_model.objects.filter(type="email", unique=True).select_related("table").order_by("id"):
        name = naming.unique_casefold_name(field.table_id, field.id)
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                ddl.index_drop(cursor=cursor, name=name)
                ddl.unique_lower_index_create(
                    cursor=cursor, table=naming.physical_table(field.table.name), name=name, column=field.name
                )
        except IntegrityError:
            logger.warning(
                "%s.%s: addresses differ only in case; left case-sensitive.", field.table.name, field.name
            )


class Migration(migrations.Migration):
    dependencies = [("data_schemas", "0002_search_words_split")]

    operations = [migrations.RunPython(add_casefold_indexes, migrations.RunPython.noop)]
