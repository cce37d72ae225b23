"""Natural-language understanding helpers: rule-based entity extraction for the NLU pipeline."""
