// Atlas module: see docs/ARCHITECTURE.md for what it holds.
