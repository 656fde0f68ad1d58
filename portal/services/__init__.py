"""Domain operations. Each takes the SQLAlchemy session explicitly, may flush, and never commits:
the request (or CLI command) commits once, or rolls back."""
