"""GGZY — 统一公共资源交易平台 (unified public resource trading platform)."""
