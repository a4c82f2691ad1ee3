"""Integrated supervision (综合监管, R9): alert rules with evidence and legal basis, collusion screens,
complaints and reports, regulators' instructions, power lists and the department's workspace."""
