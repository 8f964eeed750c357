"""Distributor POS (sell-out) files: upload with a column mapping, match to resellers, accounts and products,
review what did not match, and report sell-out by reseller, product and month."""
