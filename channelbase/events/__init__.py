"""External events and webinars: partners taking part, attendees, and the leads captured there."""
