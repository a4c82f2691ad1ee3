"""Collusion detection (围标串标, R9.2, rules-cn K1–K3): price screens, electronic fingerprints and the
bidder network, combined into a risk score per lot and per bidder pair, validated on a simulator."""
