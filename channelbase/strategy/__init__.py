"""Channel strategy per territory: target partner mix, focus industries and products, goals for the year."""
