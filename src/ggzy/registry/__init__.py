"""Registry: market entities (主体库) keyed by USCC, their users, regulator departments, API tokens."""
