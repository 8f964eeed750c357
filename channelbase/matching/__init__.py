"""Company-name matching: normalisation, pair scores, a blocking index, and the services built on them."""
