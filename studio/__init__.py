"""Course packages on disk into the catalog: reading and validating them (loader, questions) and
writing them (sync), with `flask courses load`. Above courses and assessments, whose tables it
fills; the course studio (authoring in the browser) grows here."""
