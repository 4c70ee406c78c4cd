"""Per-app gate policies, typed and versioned with the apps catalogue."""
