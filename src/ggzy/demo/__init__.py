"""Demo data: a real province's node network, departments, 30+ entities and a user for every role."""
