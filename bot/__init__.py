"""221(g) courier assistant: domain logic, NLU helpers, channels and web app."""
