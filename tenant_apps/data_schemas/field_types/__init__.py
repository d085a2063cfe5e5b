"""The field-type registry: one `FieldType` instance per type name, filled in `DataSchemasConfig.ready()`."""

from shared_apps.foundation.registry import Registry

from .base import FieldType, FieldValueError, NotConvertible, OptionsContext, OptionsError, TableRef

field_types: Registry[FieldType] = Registry("field type")


def register_builtin_field_types() -> None:
    from .files import FileType
    from .links import LinkType
    from .scalars import (
        BooleanType,
        DateTimeType,
        DateType,
        DecimalType,
        EmailType,
        FloatType,
        IntegerType,
        JsonType,
        LongTextType,
        TextType,
        UrlType,
        UuidType,
    )
    from .selects import MultiSelectType, SingleSelectType

    builtin: list[type[FieldType]] = [
        TextType,
        LongTextType,
        IntegerType,
        DecimalType,
        FloatType,
        BooleanType,
        DateType,
        DateTimeType,
        EmailType,
        UrlType,
        SingleSelectType,
        MultiSelectType,
        JsonType,
        UuidType,
        LinkType,
        FileType,
    ]
    for cls in builtin:
        if cls.name not in field_types:
            field_types.register(cls.name, cls())


__all__ = [
    "FieldType",
    "FieldValueError",
    "NotConvertible",
    "OptionsContext",
    "OptionsError",
    "TableRef",
    "field_types",
    "register_builtin_field_types",
]
