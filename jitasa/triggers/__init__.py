"""Above the domains: which domain events notify whom (the outbox consumer "notifications")."""
