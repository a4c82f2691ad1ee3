"""Evaluation: committee at work, scoring methods, the signed report, candidates, award, contract, archive."""
