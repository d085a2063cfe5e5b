"""Pages of the project console: `view(request, site, **url_kwargs)`, wrapped by `ConsoleSite.console_view`."""
