"""Bad submissions the grader is tested against: a fixture course and the catalogue."""
