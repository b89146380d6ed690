"""People and what they may do: users, roles, sign-in, API tokens and the one policy."""
