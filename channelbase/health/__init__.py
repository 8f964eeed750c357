"""Partner health: a score from explained components, its history, and who is at risk or rising."""
