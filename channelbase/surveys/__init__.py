"""Partner satisfaction: surveys with an NPS question, sent by e-mail and in the portal, and their answers."""
