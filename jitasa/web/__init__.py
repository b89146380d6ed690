"""Web pages: templates, static files, language choice."""
