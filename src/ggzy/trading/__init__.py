"""Trading: projects, lots (标段), notices and documents, and the procedure engine every method reuses."""
