"""The live widgets' engine (engine.js) and its random generator in Python (rng.py)."""
