"""The database chokepoints: schema switching (schemas), DDL (ddl), the backend (postgresql)."""
