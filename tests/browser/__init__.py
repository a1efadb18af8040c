"""Browser tests: the web app in Debian's Chromium."""
