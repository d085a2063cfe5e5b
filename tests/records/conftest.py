from tests.data_schemas.conftest import _fresh_definitions, api, member_api, project

__all__ = ["_fresh_definitions", "api", "member_api", "project"]
