"""Catalogue: the trading catalogue (交易目录, R2) and "must this project enter the platform, and why?"."""
