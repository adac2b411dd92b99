"""Read models: SQLAlchemy tables filled from events by projections, and the queries on them."""
