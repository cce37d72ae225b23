"""Rasa SDK actions: thin adapters between the conversation and bot's domain logic.

`rasa run actions --actions bot.actions` imports every module of this package.
"""
