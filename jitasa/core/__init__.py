"""The kernel every domain may use: database, settings, errors, events, geo, Thai helpers and
HTTP plumbing. Nothing here imports a domain, a consumer or the web layer."""
