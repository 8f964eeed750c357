"""Joint business plans: objectives and commitments on both sides, split by quarter, signed by the partner."""
