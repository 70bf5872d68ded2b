"""chrono: sourced chronologies of diplomatic contacts."""
