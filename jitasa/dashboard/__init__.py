"""The coordinator's read model above the domains: area scope, figures, charts, the daily report."""
