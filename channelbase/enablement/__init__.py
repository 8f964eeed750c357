"""Enablement: courses, training sessions with capacity and waitlist, attendance and results, and the
certifications they grant, with renewal reminders."""
