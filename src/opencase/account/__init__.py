"""Sign-in accounts: passwords of users (the web UI's sessions build on them)."""
