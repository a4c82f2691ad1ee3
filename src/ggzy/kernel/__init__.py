"""Kernel: clock, audit chain, codes, calendar, errors, roles and the action machinery every package uses."""
