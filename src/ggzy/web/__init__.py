"""Web: the public portal and each role's workspace (Chinese first), base templates and static assets."""
