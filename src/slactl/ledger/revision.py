"""The ledger schema's newest revision, apart from the engine so that reading it imports
neither Alembic nor SQLAlchemy."""

# The newest migration in migrations/versions. Kept as a constant so that opening a ledger
# does not import Alembic (0.2 s of every command's start-up); a test checks it against
# Alembic's own view of the scripts.
HEAD_REVISION = "0003"
