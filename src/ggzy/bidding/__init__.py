"""Bidding: bid bonds, sealed-bid upload with receipts, withdrawal, and the online opening."""
