"""The restaurant demo: its seeder (seed.py) and its live appender (live.py).

Only the command line imports this folder. Delete it, and tests/demo/, to remove the demo:
the dashboard, its tests and its benchmark do not need it.
"""
