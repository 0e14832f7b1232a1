"""Turn uploaded course material into normalized pages and citable chunks."""
