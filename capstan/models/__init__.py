"""Pydantic contracts for every event Capstan accepts and every state's input and output."""
