"""The partner portal: partner users' own pages, invitations, one-time sign-in links and announcements."""
