"""The HTTP edge: the one error shape (errors, errorpages) and the request body limit (bodylimit)."""
